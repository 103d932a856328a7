import { Writable } from 'node:stream';
import { Controller, Get, INestApplication, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Authenticator } from './auth';
import { CLOCK, Clock, ManualClock } from './clock';
import { HealthController, HealthRegistry } from './health';
import { createLogger } from './logger';
import { MetricsController, MetricsRegistry } from './metrics';
import { LOGGER, PlatformModule, applyHttpPlatform } from './platform.module';

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });

@Controller('accounts')
class AccountsController {
  constructor(@Inject(CLOCK) readonly clock: Clock) {}

  @Get()
  list(): string[] {
    return [];
  }
}

function platformFor(health: HealthRegistry, metrics: MetricsRegistry) {
  const logger = createLogger({ service: 'ledger', destination: silent });
  const authenticator = new Authenticator({ apiKeys: 'tenant-a:key-a' });
  return {
    logger,
    authenticator,
    module: PlatformModule.forRoot({
      service: 'ledger',
      logger,
      clock: new ManualClock(new Date('2026-03-01T00:00:00Z')),
      authenticator,
      metrics,
      health,
    }),
  };
}

describe(PlatformModule.name, () => {
  let app: INestApplication;
  const health = new HealthRegistry();
  const metrics = new MetricsRegistry('ledger');

  beforeAll(async () => {
    const platform = platformFor(health, metrics);

    @Module({ imports: [platform.module], controllers: [AccountsController] })
    class LedgerModule {}

    app = await NestFactory.create(LedgerModule, { logger: false });
    applyHttpPlatform(app, platform);
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  it('shares the clock and logger with every module', () => {
    expect(app.get(AccountsController).clock.now().toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(app.get(LOGGER)).toBeDefined();
  });

  it('reports liveness with the service name', () => {
    expect(app.get(HealthController).health()).toEqual({ status: 'ok', service: 'ledger' });
  });

  it('reports not ready, naming the failing check, until every check passes', async () => {
    let databaseUp = false;
    health.register('database', async () => databaseUp);
    const response = {
      statusCode: 200,
      status(code: number) {
        this.statusCode = code;
      },
    };

    const notReady = await app.get(HealthController).ready(response);
    expect({ status: response.statusCode, body: notReady }).toEqual({
      status: 503,
      body: { status: 'not-ready', service: 'ledger', failed: ['database'] },
    });

    databaseUp = true;
    const ready = await app.get(HealthController).ready({ status: () => undefined });
    expect(ready).toEqual({ status: 'ready', service: 'ledger', failed: [] });
  });

  it('serves Prometheus metrics labelled with the service', async () => {
    metrics
      .counter({ name: 'ledger_postings_total', help: 'Postings written', labelNames: ['kind'] })
      .inc({ kind: 'debit' });
    const headers: Record<string, string> = {};

    const body = await app.get(MetricsController).metrics({ setHeader: (name, value) => (headers[name] = value) });

    expect(headers['Content-Type']).toContain('text/plain');
    expect(body).toContain('ledger_postings_total{kind="debit",service="ledger"} 1');
  });
});

describe(MetricsRegistry.name, () => {
  it('hands back the same metric when declared twice', () => {
    const sut = new MetricsRegistry('scoring');

    const first = sut.counter({ name: 'scores_total', help: 'Scores computed' });
    const second = sut.counter({ name: 'scores_total', help: 'Scores computed' });

    expect(second).toBe(first);
    expect(() => sut.gauge({ name: 'scores_total', help: 'clash' })).toThrow('different type');
  });
});

describe(HealthRegistry.name, () => {
  afterEach(() => jest.useRealTimers());

  it('fails a check that hangs past the timeout instead of hanging the probe', async () => {
    jest.useFakeTimers();
    const sut = new HealthRegistry(1000);
    sut.register('kafka', () => new Promise<boolean>(() => undefined));
    sut.register('database', async () => true);

    const result = sut.check();
    await jest.advanceTimersByTimeAsync(1000);

    expect(await result).toEqual({ ready: false, failed: ['kafka'] });
  });

  it('fails a check that throws', async () => {
    const sut = new HealthRegistry();
    sut.register('database', async () => {
      throw new Error('connection refused');
    });

    expect(await sut.check()).toEqual({ ready: false, failed: ['database'] });
  });
});
