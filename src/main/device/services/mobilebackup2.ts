import { type PlistDict, type PlistValue, PlistReal, plistInteger, plistString } from '../codec';
import { type DeviceLinkOptions, type DeviceLinkVersion, DeviceLinkClient } from './device-link';
import { ServiceError } from './service-error';
import type { ServiceChannel } from './service-channel';

/** The protocol versions we offer in Hello, as reals (protocol.md §3.3). */
const MOBILEBACKUP2_PROTOCOL_VERSIONS: readonly number[] = [2.0, 2.1];

interface BackupRequest {
  /** UDID of the connected device (the device checks it is its own, §3.4). */
  readonly targetId: string;
  /** UDID whose backup folder to use; defaults to the target on the device side. */
  readonly sourceId?: string;
  /** Ask for a full backup even if an earlier one exists. */
  readonly forceFull?: boolean;
}

/**
 * Restore options (§7.3). Absent keys are not sent, so the device default applies: system files
 * restored, reboot at the end, copy the backup first, remove items not in the backup.
 */
interface RestoreRequest {
  readonly targetId: string;
  readonly sourceId?: string;
  readonly restoreSystemFiles?: boolean;
  readonly rebootWhenDone?: boolean;
  /** true skips the safety copy of the target's backup the device otherwise makes first. */
  readonly dontCopyBackup?: boolean;
  readonly preserveSettings?: boolean;
  readonly removeItemsNotRestored?: boolean;
  /** The backup password, for encrypted backups. */
  readonly password?: string;
}

interface IdentifiedRequest {
  readonly targetId: string;
  readonly sourceId?: string;
}

interface ChangePasswordRequest {
  readonly targetId: string;
  /** Only `newPassword`: turn encryption on. Only `oldPassword`: turn it off. Both: change it (§3.4). */
  readonly oldPassword?: string;
  readonly newPassword?: string;
}

/** The final `DLMessageProcessMessage` of a request (§3.6.10, codes §3.9). */
export interface BackupResult {
  readonly errorCode: number;
  readonly errorDescription: string | undefined;
  /** Text some requests return (Info, List). */
  readonly content: string | undefined;
  readonly message: PlistDict;
}

/**
 * mobilebackup2 (`com.apple.mobilebackup2`, protocol.md §3.3–3.4): the Hello negotiation and the
 * requests that start a backup, restore or settings change. The DL loop that serves the device's
 * requests afterwards is the backup engine's, over `deviceLink`.
 */
export class MobileBackup2Client {
  static readonly SERVICE_NAME = 'com.apple.mobilebackup2';

  readonly deviceLink: DeviceLinkClient;
  private negotiatedVersion: number | undefined;

  constructor(channel: ServiceChannel, options: DeviceLinkOptions = {}) {
    this.deviceLink = new DeviceLinkClient(channel, options);
  }

  /** DeviceLink version exchange then Hello: everything that must happen before a request. */
  static async connect(channel: ServiceChannel, options: DeviceLinkOptions = {}): Promise<MobileBackup2Client> {
    const client = new MobileBackup2Client(channel, options);
    try {
      await client.deviceLink.exchangeVersions();
      await client.hello();
    } catch (error) {
      client.deviceLink.close();
      throw error;
    }
    return client;
  }

  /** The mobilebackup2 protocol version agreed in Hello, once it completed. */
  get protocolVersion(): number | undefined {
    return this.negotiatedVersion;
  }

  /** Version exchange only, for callers that drive the handshake step by step. */
  exchangeVersions(): Promise<DeviceLinkVersion> {
    return this.deviceLink.exchangeVersions();
  }

  /** Offers 2.0 and 2.1 as reals and checks the device picked one of them (§3.3). */
  async hello(): Promise<number> {
    await this.deviceLink.sendProcessMessage({
      MessageName: 'Hello',
      SupportedProtocolVersions: MOBILEBACKUP2_PROTOCOL_VERSIONS.map((version) => new PlistReal(version)),
    });
    const reply = await this.deviceLink.receiveMessage();
    if (reply.kind !== 'DLMessageProcessMessage') {
      throw new ServiceError('unexpected-message', `The device answered Hello with ${reply.kind === 'unknown' ? reply.name : reply.kind} instead of a response.`);
    }
    const result = readBackupResult(reply.message);
    if (result.errorCode !== 0) {
      throw new ServiceError(
        'version-mismatch',
        `The device refused the backup protocol versions ${MOBILEBACKUP2_PROTOCOL_VERSIONS.map(formatVersion).join(' and ')} (error ${result.errorCode}${result.errorDescription ? `: ${result.errorDescription}` : ''}).`,
      );
    }
    const chosen = realValue(reply.message.ProtocolVersion);
    if (chosen === undefined || !MOBILEBACKUP2_PROTOCOL_VERSIONS.includes(chosen)) {
      throw new ServiceError('version-mismatch', `The device chose backup protocol version ${chosen ?? 'none'}, which this app does not speak.`);
    }
    this.negotiatedVersion = chosen;
    return chosen;
  }

  backup(request: BackupRequest): Promise<void> {
    const options: Record<string, PlistValue> = {};
    if (request.forceFull) options.ForceFullBackup = true;
    return this.sendRequest('Backup', request, Object.keys(options).length > 0 ? { Options: options } : {});
  }

  restore(request: RestoreRequest): Promise<void> {
    const options: Record<string, PlistValue> = {};
    if (request.restoreSystemFiles !== undefined) options.RestoreSystemFiles = request.restoreSystemFiles;
    if (request.rebootWhenDone !== undefined) options.RestoreShouldReboot = request.rebootWhenDone;
    if (request.dontCopyBackup !== undefined) options.RestoreDontCopyBackup = request.dontCopyBackup;
    if (request.preserveSettings !== undefined) options.RestorePreserveSettings = request.preserveSettings;
    if (request.removeItemsNotRestored !== undefined) options.RemoveItemsNotRestored = request.removeItemsNotRestored;
    if (request.password !== undefined) options.Password = request.password;
    return this.sendRequest('Restore', request, { Options: options });
  }

  /** The final response's `Content` carries the text (§7.4). */
  info(request: IdentifiedRequest): Promise<void> {
    return this.sendRequest('Info', request, {});
  }

  list(request: IdentifiedRequest): Promise<void> {
    return this.sendRequest('List', request, {});
  }

  async changePassword(request: ChangePasswordRequest): Promise<void> {
    if (request.oldPassword === undefined && request.newPassword === undefined) {
      throw new ServiceError('invalid-argument', 'Changing the backup password needs the old password, the new one, or both.');
    }
    const extra: Record<string, PlistValue> = {};
    if (request.oldPassword !== undefined) extra.OldPassword = request.oldPassword;
    if (request.newPassword !== undefined) extra.NewPassword = request.newPassword;
    return this.sendRequest('ChangePassword', { targetId: request.targetId }, extra);
  }

  /** `CloudBackupState` goes both in Options and top-level, as the reference host sends it (§3.4). */
  enableCloudBackup(request: IdentifiedRequest & { readonly enabled: boolean }): Promise<void> {
    return this.sendRequest('EnableCloudBackup', request, {
      CloudBackupState: request.enabled,
      Options: { CloudBackupState: request.enabled },
    });
  }

  /** Asks the device to abandon a running backup (§3.10). */
  cancelBackup(request: { readonly targetId: string }): Promise<void> {
    return this.sendRequest('CancelBackup', request, {});
  }

  /** Sends DLMessageDisconnect and closes (§3.6.10). */
  disconnect(): Promise<void> {
    return this.deviceLink.disconnect();
  }

  private async sendRequest(messageName: string, ids: IdentifiedRequest, extra: PlistDict): Promise<void> {
    if (this.negotiatedVersion === undefined) {
      throw new ServiceError('invalid-argument', `Cannot send ${messageName} before Hello completed: nothing else may be sent first (§3.3).`);
    }
    if (!ids.targetId) throw new ServiceError('invalid-argument', `${messageName} needs the UDID of the connected device.`);
    const message: Record<string, PlistValue> = { MessageName: messageName, TargetIdentifier: ids.targetId };
    if (ids.sourceId !== undefined) message.SourceIdentifier = ids.sourceId;
    await this.deviceLink.sendProcessMessage({ ...message, ...extra });
  }
}

/** Reads a mobilebackup2 response dict: ErrorCode (unsigned; absent = 0), description, content (§3.6.10). */
export function readBackupResult(message: PlistDict): BackupResult {
  const errorCode = plistInteger(message.ErrorCode) ?? 0;
  return {
    errorCode,
    errorDescription: plistString(message.ErrorDescription),
    content: plistString(message.Content),
    message,
  };
}

function realValue(value: PlistValue | undefined): number | undefined {
  if (value instanceof PlistReal) return value.value;
  return typeof value === 'number' ? value : undefined;
}

function formatVersion(version: number): string {
  return Number.isInteger(version) ? version.toFixed(1) : String(version);
}
