import type { Duplex } from 'node:stream';
import { ByteReader, StreamClosedError } from '../../../main/device/codec';
import type { ServiceContext, ServiceHandler } from '../../device/service-context';
import { AfcFileHandles } from './afc-file-ops';
import { AfcPathOps } from './afc-path-ops';
import {
  AFC_HEADER_BYTES, AfcOp, AfcStatus, AfcStatusError, encodeAfcPacket, nulList, readAfcPacket, statusReply, u64, type AfcPacket,
} from './afc-protocol';

/**
 * The device side of AFC (`com.apple.afc`, protocol.md §4): one request at a time, each answered
 * with STATUS, DATA, FILE_OPEN_RES or FILE_TELL_RES echoing the request's packet_num.
 */
type Reply = { readonly op: number; readonly payload: Buffer };

const ok: Reply = { op: AfcOp.Status, payload: u64(AfcStatus.Success) };
const data = (payload: Buffer): Reply => ({ op: AfcOp.Data, payload });

class AfcSession {
  private readonly reader: ByteReader;
  private readonly files: AfcFileHandles;
  private readonly paths: AfcPathOps;

  constructor(private readonly socket: Duplex, private readonly context: ServiceContext) {
    this.reader = new ByteReader(socket);
    this.files = new AfcFileHandles(context);
    this.paths = new AfcPathOps(context);
    socket.on('error', () => undefined);
  }

  async run(): Promise<void> {
    try {
      for (;;) {
        const packet = await readAfcPacket(this.reader);
        const reply = await this.answer(packet);
        if (this.socket.destroyed) break;
        this.socket.write(reply);
      }
    } catch (error) {
      if (!(error instanceof StreamClosedError)) {
        this.context.log(`AFC closed the connection: ${error instanceof Error ? error.message : String(error)}`);
        this.socket.destroy();
      }
    } finally {
      await this.files.closeAll();
    }
  }

  private async answer(packet: AfcPacket): Promise<Buffer> {
    if (this.context.faults().malformedReplies === 'afc') {
      // A header with the wrong magic and a length shorter than a header: clients must reject it.
      const broken = encodeAfcPacket(packet.packetNum, AfcOp.Status, Buffer.alloc(0), u64(0));
      broken.write('CFA6LPXX', 0, 'latin1');
      broken.writeBigUInt64LE(BigInt(AFC_HEADER_BYTES - 8), 8);
      return broken;
    }
    try {
      const reply = await this.dispatch(packet.operation, Buffer.concat([packet.headerData, packet.payload]));
      return encodeAfcPacket(packet.packetNum, reply.op, Buffer.alloc(0), reply.payload);
    } catch (error) {
      if (error instanceof AfcStatusError) {
        this.context.log(`AFC op 0x${packet.operation.toString(16)}: ${error.message}`);
        return statusReply(packet.packetNum, error.status);
      }
      this.context.log(`AFC op 0x${packet.operation.toString(16)} failed: ${error instanceof Error ? error.message : String(error)}`);
      return statusReply(packet.packetNum, AfcStatus.InternalError);
    }
  }

  /** Arguments are header-data and payload together, so both ways clients lay them out work. */
  private async dispatch(operation: number, args: Buffer): Promise<Reply> {
    switch (operation) {
      case AfcOp.ReadDirectory:
        return data(nulList(this.paths.readDirectory(args)));
      case AfcOp.GetFileInfo:
        return data(nulList(this.paths.getFileInfo(args)));
      case AfcOp.GetDeviceInfo:
        return data(nulList(this.paths.getDeviceInfo()));
      case AfcOp.MakeDir:
        this.paths.makeDir(args);
        return ok;
      case AfcOp.RemovePath:
        this.paths.removePath(args);
        return ok;
      case AfcOp.RemovePathAndContents:
        this.paths.removePathAndContents(args);
        return ok;
      case AfcOp.RenamePath:
        await this.paths.renamePath(args);
        return ok;
      case AfcOp.Truncate:
        await this.paths.truncate(args);
        return ok;
      case AfcOp.MakeLink:
        await this.paths.makeLink(args);
        return ok;
      case AfcOp.SetFileModTime:
        await this.paths.setFileModTime(args);
        return ok;
      case AfcOp.GetFileHash:
        return data(await this.paths.getFileHash(args, false));
      case AfcOp.GetFileHashWithRange:
        return data(await this.paths.getFileHash(args, true));
      case AfcOp.FileOpen:
        return { op: AfcOp.FileOpenResult, payload: u64(await this.files.fileOpen(args)) };
      case AfcOp.FileRead:
        return data(await this.files.fileRead(args));
      case AfcOp.FileWrite:
        this.files.fileWrite(args);
        return ok;
      case AfcOp.FileSeek:
        this.files.fileSeek(args);
        return ok;
      case AfcOp.FileTell:
        return { op: AfcOp.FileTellResult, payload: u64(this.files.fileTell(args)) };
      case AfcOp.FileSetSize:
        this.files.fileSetSize(args);
        return ok;
      case AfcOp.FileLock:
        this.files.fileLock(args);
        return ok;
      case AfcOp.FileClose:
        await this.files.fileClose(args);
        return ok;
      case AfcOp.SetFSBlockSize:
      case AfcOp.SetSocketBlockSize:
      case AfcOp.SetConnectionOptions:
        return ok;
      default:
        throw new AfcStatusError(AfcStatus.OpNotSupported, `Operation 0x${operation.toString(16)} is not supported.`);
    }
  }
}

export const serveAfc: ServiceHandler = (socket, context) => {
  void new AfcSession(socket, context).run();
};
