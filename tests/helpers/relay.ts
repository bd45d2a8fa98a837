import net from 'node:net';

/**
 * A TCP relay on 127.0.0.1 between a dialer and `targetPort`, for tests that need to see or break the wire:
 * it records what passes, can hold back one direction, and can cut every connection at once.
 */
export class Relay {
  readonly server: net.Server;
  /** Bytes from the dialer to the target, and back, as they passed. */
  readonly forward: Buffer[] = [];
  readonly backward: Buffer[] = [];
  /** While true, bytes from the target back to the dialer are dropped (so acks never arrive). */
  dropBackward = false;
  /** While true, nothing passes either way, and connections stay open: a link that went dark (a partition). */
  blackhole = false;
  /** How many connections the relay has carried. */
  connections = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => this.bridge(client));
  }

  static async start(targetPort: number): Promise<Relay> {
    const relay = new Relay(targetPort);
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Everything that crossed the relay, both directions. */
  captured(): Buffer {
    return Buffer.concat([...this.forward, ...this.backward]);
  }

  /** Breaks every relayed connection abruptly, as a network failure would. */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private bridge(client: net.Socket): void {
    this.connections++;
    const target = net.connect({ host: '127.0.0.1', port: this.targetPort });
    for (const socket of [client, target]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        target.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (this.blackhole) return;
      this.forward.push(chunk);
      target.write(chunk);
    });
    target.on('data', (chunk: Buffer) => {
      if (this.dropBackward || this.blackhole) return;
      this.backward.push(chunk);
      client.write(chunk);
    });
    client.on('end', () => target.end());
    target.on('end', () => client.end());
  }
}
