import { Writable } from 'node:stream';
import {
  Client,
  Metadata,
  Server,
  ServerCredentials,
  ServiceError,
  credentials,
  makeGenericClientConstructor,
  status,
} from '@grpc/grpc-js';
import { Authenticator } from './auth';
import { AppError, GRPC_ERROR_CODE_METADATA_KEY, GRPC_ERROR_ID_METADATA_KEY } from './errors';
import { directUnaryRoute, installDirectRoutes } from './grpc-direct-route';
import { createLogger } from './logger';
import { MetricsRegistry } from './metrics';
import { currentTenantId } from './tenant-context';
import { TracingHandle, currentTraceId, startTracing } from './tracing';

interface Ask {
  accountId: string;
}
interface Answer {
  accountId: string;
  tenantId: string;
  traceId: string;
}

const json = <T>() => ({
  serialize: (value: T) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as T,
});
const ask = json<Ask>();
const answer = json<Answer>();
const lookup = {
  path: '/spec.Accounts/Lookup',
  requestStream: false as const,
  responseStream: false as const,
  requestSerialize: ask.serialize,
  requestDeserialize: ask.deserialize,
  responseSerialize: answer.serialize,
  responseDeserialize: answer.deserialize,
  originalName: 'lookup',
};

const incomingTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';

describe(installDirectRoutes.name, () => {
  let server: Server;
  let client: Client & Record<string, unknown>;
  let tracing: TracingHandle;
  const metrics = new MetricsRegistry('spec');
  const logged: string[] = [];

  beforeAll(async () => {
    tracing = startTracing('direct-route-spec', { env: {} });
    server = new Server();
    // what Nest would have registered: the direct route must replace it
    server.addService({ lookup }, { lookup: (_call: unknown, cb: (err: Error) => void) => cb(new Error('slow path')) });
    const route = directUnaryRoute(lookup, 'AccountsController.lookup', async (request: Ask) => {
      await Promise.resolve(); // the principal and the trace survive an await
      if (request.accountId === 'missing') throw AppError.notFound('account missing has no score yet');
      if (request.accountId === 'broken') throw new Error('connection reset (account 4111-1111)');
      return { accountId: request.accountId, tenantId: currentTenantId(), traceId: currentTraceId() ?? '' };
    });
    installDirectRoutes(server, [route], {
      authenticator: new Authenticator({ apiKeys: 'tenant-a:key-a,tenant-b:key-b' }),
      logger: createLogger({
        service: 'spec',
        destination: new Writable({ write: (c: Buffer, _e, done) => (logged.push(c.toString()), done()) }),
      }),
      metrics,
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const Ctor = makeGenericClientConstructor({ lookup }, 'spec');
    client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure()) as Client & Record<string, unknown>;
  });

  afterAll(async () => {
    client.close();
    server.forceShutdown();
    await tracing.shutdown();
  });

  function call(request: Ask, headers: Record<string, string>): Promise<Answer> {
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
    const method = client.lookup as (r: Ask, m: Metadata, cb: (e: ServiceError | null, a: Answer) => void) => void;
    return new Promise((resolve, reject) =>
      method.call(client, request, metadata, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => Promise.reject(new Error('expected a failure')),
      (e: ServiceError) => e,
    );

  it("answers in place of the registered handler, as the API key's tenant, continuing the caller's trace", async () => {
    const traceparent = `00-${incomingTraceId}-00f067aa0ba902b7-01`;
    const [a, b] = await Promise.all([
      call({ accountId: 'acct-1' }, { 'x-api-key': 'key-a', traceparent }),
      call({ accountId: 'acct-1' }, { 'x-api-key': 'key-b' }),
    ]);
    expect(a).toEqual({ accountId: 'acct-1', tenantId: 'tenant-a', traceId: incomingTraceId });
    expect(b).toMatchObject({ accountId: 'acct-1', tenantId: 'tenant-b' });
    expect(b.traceId).not.toBe(incomingTraceId);
  });

  it('refuses a call without valid credentials', async () => {
    expect(await failure(call({ accountId: 'acct-1' }, {}))).toMatchObject({ code: status.UNAUTHENTICATED });
    expect(await failure(call({ accountId: 'acct-1' }, { 'x-api-key': 'guess' }))).toMatchObject({
      code: status.UNAUTHENTICATED,
    });
  });

  it('answers an expected refusal with its status and code, an unexpected error with an error id and not its message', async () => {
    const missing = await failure(call({ accountId: 'missing' }, { 'x-api-key': 'key-a' }));
    expect(missing).toMatchObject({ code: status.NOT_FOUND, details: 'account missing has no score yet' });
    expect(missing.metadata.get(GRPC_ERROR_CODE_METADATA_KEY)).toEqual(['NOT_FOUND']);

    const broken = await failure(call({ accountId: 'broken' }, { 'x-api-key': 'key-a' }));
    expect(broken.code).toBe(status.INTERNAL);
    expect(broken.details).not.toContain('4111');
    const [errorId] = broken.metadata.get(GRPC_ERROR_ID_METADATA_KEY);
    expect(broken.details).toContain(String(errorId));
    expect(logged.some((line) => line.includes(String(errorId)) && line.includes('connection reset'))).toBe(true);
  });

  it('times the calls it answers by method and status', async () => {
    await call({ accountId: 'acct-2' }, { 'x-api-key': 'key-a' });
    const metric = metrics.registry.getSingleMetric('grpc_server_handling_seconds');
    const counts = (await metric!.get()).values
      .filter((v) => (v as { metricName?: string }).metricName === 'grpc_server_handling_seconds_count')
      .map((v) => ({ ...v.labels, count: v.value }));
    expect(counts).toEqual(
      expect.arrayContaining([
        { method: 'spec.Accounts/Lookup', code: 'OK', count: expect.any(Number) },
        { method: 'spec.Accounts/Lookup', code: 'NOT_FOUND', count: 1 },
        { method: 'spec.Accounts/Lookup', code: 'INTERNAL', count: 1 },
      ]),
    );
  });

  it('refuses to stand in for a method the server does not serve', () => {
    const other = { ...lookup, path: '/spec.Accounts/Renamed' };
    expect(() =>
      installDirectRoutes(server, [directUnaryRoute(other, 'AccountsController.renamed', async () => ({}))], {
        authenticator: new Authenticator({ apiKeys: 'tenant-a:key-a' }),
        logger: createLogger({ service: 'spec', destination: new Writable({ write: (_c, _e, done) => done() }) }),
      }),
    ).toThrow('/spec.Accounts/Renamed');
  });
});
