export * from './device-inspection';
export * from './device-manager';
