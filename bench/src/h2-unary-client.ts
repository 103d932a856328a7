import { ClientHttp2Session, IncomingHttpHeaders, OutgoingHttpHeaders, connect } from 'node:http2';

/** The parts of a ts-proto grpc-js method definition this client needs. */
export interface UnaryMethod<Req, Res> {
  path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(bytes: Buffer): Res;
}

/** A call that ended with a gRPC status other than OK, with the server's message. */
export class UnaryCallError extends Error {
  constructor(
    readonly code: number,
    details: string,
  ) {
    super(`gRPC status ${code}: ${details}`);
  }
}

/**
 * A load generator's gRPC client: unary calls written straight onto one HTTP/2 session with
 * node:http2 (the same frames any gRPC client sends: POST to /package.Service/Method,
 * content-type application/grpc, te: trailers, one length-prefixed message; the answer's
 * grpc-status read from the trailers, or from the headers of a trailers-only answer), without
 * grpc-js's channel, interceptor and call-stream layers.
 *
 * Why the benches use it: with 50 calls in flight on a 2-core machine the callers share the cores
 * with the server under test, and grpc-js's client spent more CPU per call than the server did
 * (0.19 against 0.12 ms in the scoring bench), so its single event loop, not the server, set how
 * many calls per second were possible and so the latency at 50 in flight. Requests are encoded
 * once up front, as a load generator such as ghz does; each answer is still decoded and checked.
 */
export class H2UnaryClient {
  private readonly session: ClientHttp2Session;

  constructor(address: string) {
    this.session = connect(`http://${address}`);
    this.session.on('error', () => undefined); // a call in flight rejects with its stream's error
  }

  /** Encodes a request once, as the body every call with it sends (5-byte gRPC prefix + message). */
  static frame<Req>(method: Pick<UnaryMethod<Req, unknown>, 'requestSerialize'>, request: Req): Buffer {
    const message = method.requestSerialize(request);
    const framed = Buffer.allocUnsafe(5 + message.length);
    framed[0] = 0; // not compressed
    framed.writeUInt32BE(message.length, 1);
    message.copy(framed, 5);
    return framed;
  }

  /** One unary call with a pre-framed request; resolves with the decoded answer. */
  async call<Res>(
    method: Omit<UnaryMethod<never, Res>, 'requestSerialize'>,
    framedRequest: Buffer,
    headers: OutgoingHttpHeaders,
  ): Promise<Res> {
    return method.responseDeserialize((await this.callRaw(method.path, framedRequest, headers)).subarray(5));
  }

  /** One unary call with a pre-framed request; resolves with the answer as framed on the wire. */
  callRaw(path: string, framedRequest: Buffer, headers: OutgoingHttpHeaders): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const stream = this.session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...headers,
      });
      const chunks: Buffer[] = [];
      let status: IncomingHttpHeaders | undefined;
      stream.on('response', (head) => {
        if (head['grpc-status'] !== undefined) status = head; // trailers-only answer (an error)
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      const settle = () => {
        const code = Number(status?.['grpc-status'] ?? -1);
        if (code !== 0) {
          const details = status?.['grpc-message'] ?? `stream closed with code ${stream.rstCode}`;
          reject(new UnaryCallError(code, decodeURIComponent(String(details))));
          return;
        }
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) {
          reject(new Error(`malformed gRPC answer on ${path} (${body.length} bytes)`));
          return;
        }
        resolve(body);
      };
      // the trailers end an answer (its data came before them); 'close' settles one that ended otherwise
      stream.on('trailers', (trailers) => {
        status = trailers;
        settle();
      });
      stream.on('close', settle);
      stream.end(framedRequest);
    });
  }

  close(): void {
    this.session.close();
  }
}
