import { createServer } from 'node:net';

// Linux hands out 32768-60999 to outgoing connections (PostgreSQL, Kafka, HTTP clients): a port
// there that is free now can be taken by one before a server binds it. Ports are picked below it.
const LOW = 20_000;
const HIGH = 32_700;

function listens(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

const handedOut = new Set<number>();

/**
 * A TCP port nobody listens on now, below the ephemeral range, and not handed out before by this
 * process: for a server a test or tool starts (a child process binds it a moment later).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if ((await listens(port, '0.0.0.0')) && (await listens(port, '127.0.0.1'))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port between ${LOW} and ${HIGH} after 200 tries`);
}
