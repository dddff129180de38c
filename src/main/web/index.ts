export * from './web-bridge';
export { CONTENT_SECURITY_POLICY } from './static-files';
export { isLoopbackAddress } from './bridge-auth';
