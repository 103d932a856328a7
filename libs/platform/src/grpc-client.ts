import {
  ChannelCredentials,
  Client,
  Metadata,
  ServiceDefinition,
  ServiceError,
  credentials,
  makeGenericClientConstructor,
} from '@grpc/grpc-js';

/** The unary methods of a ts-proto grpc-js service definition, as promise-returning functions. */
export type PromiseClient<S> = {
  [K in keyof S]: S[K] extends {
    requestSerialize: (value: infer Req) => Buffer;
    responseDeserialize: (bytes: Buffer) => infer Res;
  }
    ? (request: Req, metadata?: Metadata) => Promise<Res>
    : never;
} & { close(): void };

/**
 * A typed client built from the generated service definition (ts-proto emits the definition
 * but no client class for grpc-js together with nestJs=true), so nothing is hand-written.
 */
export function grpcClient<S extends ServiceDefinition>(
  definition: S,
  address: string,
  options: { credentials?: ChannelCredentials; deadlineMs?: number } = {},
): PromiseClient<S> {
  const Ctor = makeGenericClientConstructor(definition, 'collections');
  const client = new Ctor(address, options.credentials ?? credentials.createInsecure()) as Client &
    Record<string, unknown>;
  const wrapped: Record<string, unknown> = { close: () => client.close() };
  for (const name of Object.keys(definition)) {
    const method = client[name] as (
      req: unknown,
      md: Metadata,
      opts: object,
      cb: (err: ServiceError | null, res: unknown) => void,
    ) => void;
    wrapped[name] = (request: unknown, metadata = new Metadata()) =>
      new Promise((resolve, reject) => {
        const deadline = new Date(Date.now() + (options.deadlineMs ?? 10_000));
        method.call(client, request, metadata, { deadline }, (err, res) => (err ? reject(err) : resolve(res)));
      });
  }
  return wrapped as PromiseClient<S>;
}
