import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export interface StandInRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: StandInRequest) => { status: number; headers?: Record<string, string>; body: unknown };

/** A small HTTP server on 127.0.0.1 with a random port, answering through one handler. */
export async function startHttpStandIn(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = handler({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Posts a (signed) webhook the way the provider would. */
export async function deliverWebhook(request: {
  url: string;
  headers: Record<string, string | undefined>;
  rawBody: string;
}): Promise<Response> {
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return fetch(request.url, { method: 'POST', headers, body: request.rawBody });
}
