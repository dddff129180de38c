import { randomInt } from 'node:crypto';
import net from 'node:net';

/** How many fresh loopback addresses are tried before giving up on a busy machine. */
const BIND_ATTEMPTS = 20;

/**
 * The phone's own IP address on the "Wi-Fi" (protocol-notes.md "Wi-Fi"). libimobiledevice does not
 * ask usbmuxd to Connect to a network device: it reads `NetworkAddress` and opens a TCP connection to
 * that address itself, at lockdownd's port and then at each started service's port. So every virtual
 * phone on Wi-Fi owns an address of its own in 127.0.0.0/8 (Linux routes the whole block to the
 * loopback interface), where those ports are free whatever else runs on the machine.
 */
export class WifiLink {
  private readonly servicePorts = new Map<number, net.Server>();

  private constructor(
    readonly host: string,
    private readonly lockdown: net.Server,
    private readonly accept: (port: number, socket: net.Socket) => void,
  ) {}

  /** Binds lockdownd's port on a fresh loopback address; `accept` gets every connection made to the phone. */
  static async start(lockdownPort: number, accept: (port: number, socket: net.Socket) => void): Promise<WifiLink> {
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const host = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
      const server = net.createServer((socket) => accept(lockdownPort, socket));
      try {
        await listen(server, host, lockdownPort);
        return new WifiLink(host, server, accept);
      } catch (error) {
        lastError = error as Error;
        server.close();
      }
    }
    throw new Error(`No loopback address was free for the phone's Wi-Fi side: ${lastError?.message ?? 'unknown error'}`);
  }

  /**
   * `NetworkAddress` as Apple's usbmuxd sends it: a raw BSD `sockaddr_in` (sa_len 16, AF_INET 2, port 0,
   * the IPv4 address, 8 zero bytes). libimobiledevice copies `sa_len` bytes and checks byte 1 for the
   * family (0x02, or 0x1E for a BSD AF_INET6), so the length byte matters.
   */
  networkAddress(): Buffer {
    const address = Buffer.alloc(16);
    address[0] = 16;
    address[1] = 2;
    this.host.split('.').forEach((octet, index) => {
      address[4 + index] = Number(octet);
    });
    return address;
  }

  /**
   * Makes a started service's port reachable on the phone's address. It must listen before lockdownd
   * answers StartService, which a synchronous bind to an IP literal does; the first connection wins.
   */
  openServicePort(port: number): void {
    if (this.servicePorts.has(port)) return;
    const server = net.createServer((socket) => {
      this.closeServicePort(port);
      this.accept(port, socket);
    });
    server.on('error', () => this.closeServicePort(port));
    server.listen(port, this.host);
    this.servicePorts.set(port, server);
  }

  closeServicePort(port: number): void {
    const server = this.servicePorts.get(port);
    if (!server) return;
    this.servicePorts.delete(port);
    server.close();
  }

  /** Leaves the network: nothing more is accepted (tunnels already open are the device's to drop). */
  close(): void {
    for (const port of [...this.servicePorts.keys()]) this.closeServicePort(port);
    this.lockdown.close();
  }
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
