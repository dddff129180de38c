import { type PlistDict, type PlistFormat, type PlistValue, MAX_FRAME_BYTES, encodePlistFrame, readPlistFrame } from '../codec';
import {
  type DeviceLinkMessage,
  buildDisconnect,
  buildProcessMessage,
  buildStatusResponse,
  buildVersionsOk,
  parseDeviceLinkMessage,
} from './device-link-messages';
import { type DownloadResult, type OpenLocalFile, sendFilesToDevice } from './device-link-download-stream';
import { type IncomingFile, receiveFilesFromDevice } from './device-link-upload-stream';
import { type ServiceChannel, writeToChannel } from './service-channel';
import { ServiceError, serviceStep } from './service-error';

/** The newest DeviceLink major version we speak: iOS 14+ devices announce 400 (protocol.md §3.2). */
const DEVICE_LINK_SUPPORTED_MAJOR = 400;

export interface DeviceLinkOptions {
  /** Encoding of what we send. Binary like libimobiledevice; the device accepts both (§3.1). */
  readonly format?: PlistFormat;
  /** Per-message receive timeout; 0 waits forever (a device may think for 90 s, §3.10). */
  readonly timeoutMs?: number;
}

export interface DeviceLinkVersion {
  readonly major: number;
  readonly minor: number;
}

/**
 * DeviceLink: the message layer under mobilebackup2 (protocol.md §3.1–3.2, §3.5–3.7). Knows the
 * framing, the version handshake, the DL message shapes and the raw file streams; it does not
 * decide what a backup does with them (that is the backup engine's DL loop).
 */
export class DeviceLinkClient {
  private readonly format: PlistFormat;
  private readonly timeoutMs: number;

  constructor(
    readonly channel: ServiceChannel,
    options: DeviceLinkOptions = {},
  ) {
    this.format = options.format ?? 'binary';
    this.timeoutMs = options.timeoutMs ?? 0;
  }

  /**
   * The handshake that opens every DeviceLink connection (§3.2): the device announces its version,
   * we accept any major up to ours and echo it with DLVersionsOk, then wait for DLMessageDeviceReady.
   */
  async exchangeVersions(): Promise<DeviceLinkVersion> {
    const announced = await this.receiveMessage();
    if (announced.kind !== 'DLMessageVersionExchange') {
      throw new ServiceError('unexpected-message', `The device opened the backup connection with ${messageName(announced)} instead of a version exchange.`);
    }
    if (announced.major > DEVICE_LINK_SUPPORTED_MAJOR) {
      throw new ServiceError(
        'version-mismatch',
        `The device speaks DeviceLink ${announced.major}.${announced.minor}; this app understands up to ${DEVICE_LINK_SUPPORTED_MAJOR}. An update of Lifeboat is needed for this iOS version.`,
      );
    }
    await this.sendMessage(buildVersionsOk(announced.major));
    const ready = await this.receiveMessage();
    if (ready.kind !== 'DLMessageDeviceReady') {
      throw new ServiceError('unexpected-message', `The device answered the version exchange with ${messageName(ready)} instead of DLMessageDeviceReady.`);
    }
    return { major: announced.major, minor: announced.minor };
  }

  /**
   * Holds the receive timeout while the device waits for its owner (the passcode sheet before a
   * backup, §3.10) and restarts it afterwards; the device ends such a wait itself (208 after ~3 min).
   */
  holdIdleTimeout(held: boolean): void {
    this.channel.reader.holdIdleTimeout(held);
  }

  /** Sends one DL array as a length-prefixed plist (§3.1). */
  async sendMessage(items: readonly PlistValue[]): Promise<void> {
    await writeToChannel(this.channel, encodePlistFrame(items, this.format));
  }

  /** Reads the next DL message and parses it (binary or XML, §3.1). */
  async receiveMessage(timeoutMs = this.timeoutMs): Promise<DeviceLinkMessage> {
    return serviceStep('waiting for the next DeviceLink message', async () => {
      const value = await readPlistFrame(this.channel.reader, MAX_FRAME_BYTES, timeoutMs);
      return parseDeviceLinkMessage(value);
    });
  }

  /** `["DLMessageProcessMessage", dict]`: how mobilebackup2 requests travel (§3.4). */
  sendProcessMessage(message: PlistDict): Promise<void> {
    return this.sendMessage(buildProcessMessage(message));
  }

  /**
   * Answers a DL request (§3.6, codes §3.7). Without a payload, the empty-parameter string is sent,
   * as libimobiledevice does; pass `{}` where the reference hosts send an empty dict.
   */
  sendStatusResponse(code: number, description?: string, payload?: PlistValue): Promise<void> {
    return this.sendMessage(buildStatusResponse(code, description, payload));
  }

  /**
   * A status response encoded now and sent later by sendPrepared: for an answer made while the
   * device is still busy with the request before (a listing it is about to ask for, §3.6.6).
   */
  prepareStatusResponse(code: number, description?: string, payload?: PlistValue): PreparedMessage {
    return new PreparedMessage(encodePlistFrame(buildStatusResponse(code, description, payload), this.format));
  }

  /** Sends what prepareStatusResponse encoded. */
  async sendPrepared(message: PreparedMessage): Promise<void> {
    await writeToChannel(this.channel, message.frame);
  }

  /**
   * Streams the files of a DLMessageDownloadFiles request (§3.6.1), ending with `u32 0`. The caller
   * sends the status response afterwards (0, or -13 "Multi status" built from `failures`).
   */
  sendFiles(paths: readonly string[], openFile: OpenLocalFile, onBytes?: (path: string, bytesSent: number) => void): Promise<DownloadResult> {
    return sendFilesToDevice(this.channel, paths, openFile, onBytes);
  }

  /** The files of a DLMessageUploadFiles stream (§3.6.2), one at a time, streaming. */
  receiveFiles(): AsyncGenerator<IncomingFile, void, undefined> {
    return receiveFilesFromDevice(this.channel.reader, { timeoutMs: this.timeoutMs });
  }

  /** Says goodbye (§3.6.10) and closes the connection; a closed connection is not an error here. */
  async disconnect(reason?: string): Promise<void> {
    try {
      await this.sendMessage(buildDisconnect(reason));
    } catch (error) {
      if (!(error instanceof ServiceError && error.code === 'connection-closed')) throw error;
    } finally {
      this.channel.close();
    }
  }

  close(): void {
    this.channel.close();
  }
}

/** A DL message already encoded (DeviceLinkClient.prepareStatusResponse), in this client's format. */
export class PreparedMessage {
  constructor(readonly frame: Buffer) {}
}

function messageName(message: DeviceLinkMessage): string {
  return message.kind === 'unknown' ? message.name : message.kind;
}
