// The simulator's backup-format and crypto library (device side of protocol.md §5 and §6).
export * from './errors';
export * from './file-id';
export * from './mbfile';
export * from './manifest-db';
export * from './backup-plists';
export * from './aes';
export * from './keybag';
export * from './encryption';
