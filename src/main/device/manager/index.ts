export * from './device-inspection';
export * from './device-manager';
export * from './storage-categories';
