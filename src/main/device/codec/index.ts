export * from './plist-value';
export * from './plist';
export * from './byte-reader';
export * from './framing';
