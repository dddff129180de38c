export * from './lockdown-client';
export * from './lockdown-session';
export * from './service-connection';
export * from './pair-record';
export * from './pairing';
export * from './connect-device';
export * from './tls-upgrade';
export * from './wireless-lockdown';
