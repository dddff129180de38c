export * from './plist-value';
export * from './plist-budget';
export * from './plist';
export * from './plist-binary-lookup';
export * from './byte-reader';
export * from './framing';
export * from './read-buffer-pool';
