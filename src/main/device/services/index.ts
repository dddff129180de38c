export * from './service-error';
export * from './service-channel';
export * from './device-link-messages';
export {
  DeviceLinkBlockCode,
  DOWNLOAD_BLOCK_BYTES,
  DOWNLOAD_READ_BYTES,
  MAX_REMOTE_ERROR_BYTES,
  MAX_STREAM_NAME_BYTES,
  MAX_UPLOAD_BLOCK_BYTES,
  UPLOAD_PIECE_BYTES,
} from './device-link-stream-format';
export * from './device-link-download-stream';
export { SmallLocalFile } from './device-link-file-sender';
export * from './device-link-upload-stream';
export * from './device-link';
export * from './mobilebackup2';
export * from './device-link-loop';
export * from './afc-protocol';
export * from './afc-info';
export * from './afc-files';
export * from './afc';
export * from './notification-proxy';
