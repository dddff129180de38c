export * from './socket-address';
export * from './mux-device';
export * from './mux-packet';
export * from './mux-listener';
export * from './usbmux-client';
