import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type PlistDict, type PlistValue, PlistReal, isPlistDict, plistArrayOf, plistInteger, plistString } from '../../../../main/device/codec';
import { DeviceLink, EMPTY_PARAMETER } from '../device-link';
import { BLOCK_CODE, encodeBlock, encodeLengthPrefixed, encodeStreamEnd } from '../file-stream';

/**
 * A small computer-side DeviceLink peer for the mobilebackup2 unit tests: it answers the device's
 * file-system requests against a local folder (protocol.md §3.6), with knobs for the replies a test
 * wants to control (free space, PurgeDiskSpace). Not a product: the real host lives in src/main.
 */
export class TestHost {
  freeBytes = 1024 ** 4;
  /** 'refuse' answers -1 like libimobiledevice ≥ 1.3.1; 'ignore' never answers, like 1.3.0. */
  purgeAnswer: 'refuse' | 'ignore' = 'refuse';
  readonly seen: string[] = [];
  /** Answer the first request of this name with a CancelBackup instead of serving it. */
  cancelAt: string | undefined;
  /** The DeviceLink major version the device offered (§3.2). */
  deviceLinkMajor: number | undefined;
  /**
   * 'empty' lists a missing directory as empty (libimobiledevice); 'error' answers -6 as §3.6.6 says,
   * like clients that follow a real phone and never expect to be asked for a folder that is not there.
   */
  missingDirectoryAnswer: 'empty' | 'error' = 'empty';
  /** Directories the device listed while they did not exist. */
  readonly listedMissing: string[] = [];

  constructor(
    readonly link: DeviceLink,
    readonly root: string,
  ) {}

  async handshake(versions: readonly number[] = [2.0, 2.1]): Promise<PlistDict> {
    const exchange = await this.link.receive();
    this.deviceLinkMajor = plistInteger(exchange.items[1]);
    await this.link.send(['DLMessageVersionExchange', 'DLVersionsOk', plistInteger(exchange.items[1]) ?? 0]);
    await this.link.receive();
    await this.link.sendProcessMessage({ MessageName: 'Hello', SupportedProtocolVersions: versions.map((v) => new PlistReal(v)) });
    return this.link.receiveProcessMessage();
  }

  /** Sends a request and serves the device until its final ProcessMessage, which it returns. */
  async run(request: PlistDict): Promise<PlistDict> {
    await this.link.sendProcessMessage(request);
    for (;;) {
      const { name, items } = await this.link.receive();
      this.seen.push(name);
      if (name === 'DLMessageProcessMessage') return items[1] as PlistDict;
      if (name === this.cancelAt) {
        this.cancelAt = undefined;
        await this.link.sendProcessMessage({ MessageName: 'CancelBackup', TargetIdentifier: String(request['TargetIdentifier']) });
        continue;
      }
      await this.serve(name, items);
    }
  }

  private local(relative: PlistValue | undefined): string {
    return path.join(this.root, String(relative));
  }

  private status(code = 0, description?: string, payload: PlistValue = {}): Promise<void> {
    return this.link.send(['DLMessageStatusResponse', code, description ?? EMPTY_PARAMETER, payload]);
  }

  private async serve(name: string, items: readonly PlistValue[]): Promise<void> {
    switch (name) {
      case 'DLMessageDownloadFiles':
        return this.sendFiles(plistArrayOf(items[1]) ?? []);
      case 'DLMessageUploadFiles':
        return this.receiveFiles();
      case 'DLMessageCreateDirectory':
        fs.mkdirSync(this.local(items[1]), { recursive: true });
        return this.status();
      case 'DLMessageMoveItems':
        for (const [from, to] of Object.entries(isPlistDict(items[1]) ? items[1] : {})) {
          fs.rmSync(this.local(to), { recursive: true, force: true });
          fs.mkdirSync(path.dirname(this.local(to)), { recursive: true });
          fs.renameSync(this.local(from), this.local(to));
        }
        return this.status();
      case 'DLMessageRemoveItems':
        for (const item of plistArrayOf(items[1]) ?? []) fs.rmSync(this.local(item), { recursive: true, force: true });
        return this.status();
      case 'DLContentsOfDirectory': {
        const dir = this.local(items[1]);
        if (!fs.existsSync(dir)) {
          this.listedMissing.push(String(items[1]));
          if (this.missingDirectoryAnswer === 'error') return this.status(-6, 'No such file or directory');
        }
        const listing: Record<string, PlistDict> = {};
        for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
          const size = entry.isFile() ? fs.statSync(path.join(dir, entry.name)).size : 0;
          listing[entry.name] = { DLFileType: entry.isDirectory() ? 'DLFileTypeDirectory' : 'DLFileTypeRegular', DLFileSize: size };
        }
        return this.status(0, undefined, listing);
      }
      case 'DLMessageGetFreeDiskSpace':
        return this.status(0, undefined, this.freeBytes);
      case 'DLMessagePurgeDiskSpace':
        return this.purgeAnswer === 'refuse' ? this.status(-1, 'Operation not supported') : undefined;
      case 'DLMessageCopyItem':
        fs.cpSync(this.local(items[1]), this.local(items[2]), { recursive: true });
        return this.status();
      default:
        throw new Error(`The test host does not know ${name}.`);
    }
  }

  private async sendFiles(paths: readonly PlistValue[]): Promise<void> {
    const errors: Record<string, PlistDict> = {};
    for (const item of paths) {
      const relative = String(plistString(item));
      await this.link.writeRaw(encodeLengthPrefixed(relative));
      const file = this.local(relative);
      if (!fs.existsSync(file)) {
        await this.link.writeRaw(encodeBlock(BLOCK_CODE.localError, Buffer.from('No such file or directory')));
        errors[relative] = { DLFileErrorString: 'No such file or directory', DLFileErrorCode: -6 };
        continue;
      }
      const content = fs.readFileSync(file);
      for (let offset = 0; offset < content.length; offset += 32 * 1024) {
        await this.link.writeRaw(encodeBlock(BLOCK_CODE.fileData, content.subarray(offset, offset + 32 * 1024)));
      }
      await this.link.writeRaw(encodeBlock(BLOCK_CODE.success));
    }
    await this.link.writeRaw(encodeStreamEnd());
    return Object.keys(errors).length === 0 ? this.status() : this.status(-13, 'Multi status', errors);
  }

  private async receiveFiles(): Promise<void> {
    const reader = this.link.reader;
    for (;;) {
      const nameLength = await reader.readUInt32BE();
      if (nameLength === 0) break;
      await reader.readExactly(nameLength);
      const target = this.local((await reader.readExactly(await reader.readUInt32BE())).toString('utf8'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const fd = fs.openSync(target, 'w');
      try {
        for (;;) {
          const length = await reader.readUInt32BE();
          const code = (await reader.readExactly(1))[0];
          const payload = await reader.readExactly(length - 1);
          if (code !== BLOCK_CODE.fileData) break;
          fs.writeSync(fd, payload);
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    return this.status();
  }
}

/** A connected socket pair over loopback TCP: the device end and the computer end. */
export async function socketPair(): Promise<{ device: net.Socket; host: net.Socket; close(): void }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const host = net.connect(port, '127.0.0.1');
  const device = await accepted;
  server.close();
  return {
    device,
    host,
    close() {
      device.destroy();
      host.destroy();
    },
  };
}
