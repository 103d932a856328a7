import { Writable } from 'node:stream';
import { CallHandler, Controller, ExecutionContext, Get, INestApplication, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom, of, throwError } from 'rxjs';
import { Authenticator } from './auth';
import { HealthRegistry } from './health';
import { AppError } from './errors';
import { createLogger } from './logger';
import { MetricsRegistry } from './metrics';
import { PlatformModule, applyHttpPlatform } from './platform.module';
import { GrpcMetricsInterceptor } from './request-metrics';

@Controller('accounts')
class AccountsController {
  @Get(':accountId')
  get(@Param('accountId') accountId: string): { accountId: string } {
    return { accountId };
  }
}

/** The histogram's observation counts, as `{ labels…, count }`. */
async function counts(metrics: MetricsRegistry, name: string): Promise<Record<string, string | number>[]> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return [];
  return (await metric.get()).values
    .filter((v) => (v as { metricName?: string }).metricName === `${name}_count`)
    .map((v) => ({ ...(v.labels as Record<string, string>), count: v.value }));
}

describe('request latency metrics', () => {
  describe('HTTP', () => {
    let app: INestApplication;
    let base: string;
    const metrics = new MetricsRegistry('ledger');

    beforeAll(async () => {
      const logger = createLogger({
        service: 'ledger',
        destination: new Writable({ write: (_c, _e, done) => done() }),
      });
      const authenticator = new Authenticator({ apiKeys: 'tenant-a:key-a' });
      @Module({
        imports: [
          PlatformModule.forRoot({ service: 'ledger', logger, authenticator, metrics, health: new HealthRegistry() }),
        ],
        controllers: [AccountsController],
      })
      class LedgerModule {}
      app = await NestFactory.create(LedgerModule, { logger: false });
      applyHttpPlatform(app, { logger, authenticator, metrics });
      await app.listen(0, '127.0.0.1');
      base = await app.getUrl();
    });

    afterAll(async () => {
      await app.close();
    });

    it('times each request under its route pattern and status, never under the raw path', async () => {
      const key = { 'x-api-key': 'key-a' };
      expect((await fetch(`${base}/accounts/acct-123`, { headers: key })).status).toBe(200);
      expect((await fetch(`${base}/accounts/acct-456`, { headers: key })).status).toBe(200);
      expect((await fetch(`${base}/accounts/acct-789`)).status).toBe(401);
      expect((await fetch(`${base}/no/such/route`, { headers: key })).status).toBe(404);

      const lines = await counts(metrics, 'http_request_duration_seconds');
      expect(lines).toEqual(
        expect.arrayContaining([
          { method: 'GET', route: '/accounts/:accountId', status: '200', count: 2 },
          { method: 'GET', route: '/accounts/:accountId', status: '401', count: 1 },
          { method: 'GET', route: 'unmatched', status: '404', count: 1 },
        ]),
      );
      expect(JSON.stringify(lines)).not.toContain('acct-');
    });
  });

  describe(GrpcMetricsInterceptor.name, () => {
    const rpcContext = (path: string) =>
      ({
        getType: () => 'rpc',
        getArgByIndex: (i: number) => (i === 2 ? { getPath: () => path } : undefined),
        getClass: () => Object,
        getHandler: () => () => undefined,
      }) as unknown as ExecutionContext;
    const handler = (result: 'ok' | AppError | Error): CallHandler => ({
      handle: () => (result === 'ok' ? of('done') : throwError(() => result)),
    });

    it('times each call under its full method name and the status code the client receives', async () => {
      const metrics = new MetricsRegistry('promises');
      const sut = new GrpcMetricsInterceptor(metrics);
      const method = '/collections.promises.v1.PromisesService/GetPromise';

      await lastValueFrom(sut.intercept(rpcContext(method), handler('ok')));
      await expect(
        lastValueFrom(sut.intercept(rpcContext(method), handler(AppError.notFound('no such promise')))),
      ).rejects.toThrow('no such promise');
      await expect(lastValueFrom(sut.intercept(rpcContext(method), handler(new Error('bug'))))).rejects.toThrow('bug');

      const m = 'collections.promises.v1.PromisesService/GetPromise';
      expect(await counts(metrics, 'grpc_server_handling_seconds')).toEqual([
        { method: m, code: 'OK', count: 1 },
        { method: m, code: 'NOT_FOUND', count: 1 },
        { method: m, code: 'INTERNAL', count: 1 },
      ]);
    });
  });
});
