// Types for bin/cli-bundle.mjs (plain JavaScript: it runs before anything could compile TypeScript).
export function currentBundle(root: URL): URL | undefined;
export function loadCli(root: URL): Promise<{ main(argv: readonly string[]): Promise<void> }>;
