import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';

/**
 * A stand-in for the Kafka broker's address: while `silent`, it takes connections and never
 * answers (a broker restarting, or a network that drops replies: kafkajs then waits on its
 * connect or its send); once `answer()` is called, each new connection is passed to the real
 * broker (`target`), whose metadata then leads the client on to the broker itself.
 */
export class SilentBroker {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private forwarding = false;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      if (!this.forwarding) return; // held open, never answered
      const upstream = connect(this.target.port, this.target.host);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      socket.pipe(upstream).pipe(socket);
    });
  }

  static async start(target: string): Promise<SilentBroker> {
    const [host, port] = target.split(':');
    const broker = new SilentBroker({ host, port: Number(port) });
    await new Promise<void>((resolve) => broker.server.listen(0, '127.0.0.1', resolve));
    return broker;
  }

  /** Where clients connect: `host:port`. */
  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** From now on, new connections reach the real broker. */
  answer(): void {
    this.forwarding = true;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
