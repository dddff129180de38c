// Lint rules that hold the layers of docs/architecture.md in place.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noDefaultExport = {
  selector: 'ExportDefaultDeclaration',
  message: 'House style: named exports only.',
};

const electronBan = { name: 'electron', message: 'Only src/main/electron and src/preload may import electron.' };

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', 'test-results/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      'no-restricted-syntax': ['error', noDefaultExport],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Device protocol, backup engine, app core and the virtual iPhone run under plain Node.
    files: ['src/main/device/**', 'src/main/backup/**', 'src/main/restore/**', 'src/main/browser/**', 'src/main/photos/**', 'src/main/reader/**', 'src/main/core/**', 'src/main/web/**', 'src/main/cli/**', 'src/simulator/**', 'src/shared/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronBan] }] },
  },
  {
    // The virtual iPhone shares only the codec with host code, so a host bug cannot hide behind
    // the same bug in the simulator.
    files: ['src/simulator/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronBan],
        patterns: [{
          regex: '^(\\.\\./)+main/(?!device/codec)',
          message: 'The simulator may import only src/main/device/codec from host code.',
        }],
      }],
    },
  },
  {
    files: ['src/renderer/**', 'src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronBan],
        patterns: [
          { regex: '^node:', message: 'The renderer and the shared contract never import Node.' },
          { regex: '(^|/)main/', message: 'The renderer talks to main only through src/shared and the MainApi facade.' },
          { regex: '^(fs|path|os|child_process|net|tls|crypto)$', message: 'No Node built-ins in the renderer.' },
        ],
      }],
    },
  },
  // ipcMain only in the Electron IPC adapter, ipcRenderer/contextBridge only in the preload
  // (docs/architecture.md "Rules worth a lint rule"), so raw IPC cannot bypass the typed contract.
  {
    files: ['src/main/electron/**', 'test/**', 'e2e/**', 'scripts/**', 'bench/**'],
    ignores: ['src/main/electron/ipc-adapter.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['ipcMain', 'ipcRenderer', 'contextBridge'], message: 'ipcMain belongs in src/main/electron/ipc-adapter.ts, ipcRenderer and contextBridge in src/preload.' }] }] },
  },
  {
    files: ['src/main/electron/ipc-adapter.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['ipcRenderer', 'contextBridge'], message: 'ipcRenderer and contextBridge belong in src/preload.' }] }] },
  },
  {
    files: ['src/preload/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['ipcMain'], message: 'ipcMain belongs in src/main/electron/ipc-adapter.ts.' }] }] },
  },
  {
    files: ['eslint.config.mjs', 'vitest.config.ts', 'vite.config.ts', 'test/summary-reporter.ts', 'playwright.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
