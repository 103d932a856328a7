import { Client, ServiceError, credentials } from '@grpc/grpc-js';
import { API_KEY_HEADER, metadataFromPrincipalHeaders } from '@collections/platform';
import { H2UnaryClient, UnaryMethod } from './h2-unary-client';

/** How a bench's in-process callers reach a gRPC server (BENCH_GRPC_CLIENT). */
export type CallerKind = 'node' | 'grpc-js';

export const CALLER_KINDS: Record<CallerKind, string> = {
  node: 'promise loops in the bench process on one node:http2 session',
  'grpc-js': "promise loops in the bench process through grpc-js's client",
};

/** One connection's unary calls, with the caller's API key, each request encoded as it is sent. */
export interface UnaryCaller {
  kind: CallerKind;
  call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res>;
  close(): void;
}

export function callerKind(name = process.env.BENCH_GRPC_CLIENT ?? 'node'): CallerKind {
  if (!(name in CALLER_KINDS)) {
    throw new Error(`BENCH_GRPC_CLIENT: ${name} is not one of ${Object.keys(CALLER_KINDS).join(', ')}`);
  }
  return name as CallerKind;
}

/**
 * `node` (the default) writes each call with H2UnaryClient; `grpc-js` goes through grpc-js's
 * generic client, as the services' own clients do, at about twice the caller's CPU per call.
 */
export function unaryCaller(address: string, apiKey: string, kind: CallerKind = callerKind()): UnaryCaller {
  if (kind === 'node') {
    const client = new H2UnaryClient(address);
    const headers = apiKey ? { [API_KEY_HEADER]: apiKey } : {};
    return {
      kind,
      call: (method, request) => client.call(method, H2UnaryClient.frame(method, request), headers),
      close: () => client.close(),
    };
  }
  const client = new Client(address, credentials.createInsecure());
  return {
    kind,
    call: <Req, Res>(method: UnaryMethod<Req, Res>, request: Req) =>
      new Promise<Res>((resolve, reject) => {
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadataFromPrincipalHeaders({ apiKey }),
          { deadline: Date.now() + 10_000 },
          (err: ServiceError | null, res?: Res) => (err ? reject(err) : resolve(res as Res)),
        );
      }),
    close: () => client.close(),
  };
}
