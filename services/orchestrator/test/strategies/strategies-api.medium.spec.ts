import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { orchestrator } from '@collections/contracts';
import { API_KEY_HEADER, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { orchestratorService } from '../../src/orchestrator.service';
import { retailStrategy } from './strategy.fixture';

const JSON_FORMAT = orchestrator.StrategyFormat.STRATEGY_FORMAT_JSON;

describe('strategies API (gRPC and REST, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof orchestrator.OrchestratorServiceService>>;
  let md: () => Metadata;
  let mdOther: () => Metadata;

  beforeAll(async () => {
    sut = await startServiceUnderTest(orchestratorService);
    client = grpcClient(orchestrator.OrchestratorServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    mdOther = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
  });
  afterAll(async () => {
    client.close();
    await sut.close();
  });

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  it('keeps the active version when a put is invalid, and activates the next valid one', async () => {
    const v1 = await client.putStrategy(
      { strategyId: 'retail', document: JSON.stringify(retailStrategy()), format: JSON_FORMAT },
      md(),
    );
    expect(v1.strategy).toMatchObject({ strategyId: 'retail', version: 1, active: true });

    const broken = structuredClone(retailStrategy()) as unknown as { arms: { steps: { channel: string }[] }[] };
    broken.arms[0].steps[2].channel = 'pigeon';
    const rejected = await failure(
      client.putStrategy({ strategyId: 'retail', document: JSON.stringify(broken), format: JSON_FORMAT }, md()),
    );
    expect(rejected).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'invalid strategy: /arms/0/steps/2/channel: must be one of call, sms, whatsapp, email, letter, visit',
    });
    const active = await client.getStrategy({ strategyId: 'retail', version: 0 }, md());
    expect(active.strategy).toMatchObject({ version: 1, active: true });
    expect(JSON.parse(active.strategy!.document)).toEqual(retailStrategy());

    const yaml = [
      'name: Retail, shorter',
      'priority: 5',
      'entry: { segments: [retail] }',
      'arms:',
      '  - id: champion',
      '    weight: 100',
      '    steps:',
      '      - { id: d-1, channel: sms, template: reminder, offset: { from: due_date, days: -1 } }',
      'stopConditions: [payment, dispute]',
    ].join('\n');
    const v2 = await client.putStrategy(
      { strategyId: 'retail', document: yaml, format: orchestrator.StrategyFormat.STRATEGY_FORMAT_YAML },
      md(),
    );
    expect(v2.strategy).toMatchObject({ version: 2, active: true });

    const { versions } = await client.listStrategyVersions({ strategyId: 'retail' }, md());
    expect(versions.map((v) => [v.version, v.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    const first = await client.getStrategy({ strategyId: 'retail', version: 1 }, md());
    expect(first.strategy).toMatchObject({ version: 1, active: false });
  });

  it('gives concurrent puts of one strategy consecutive versions, the last one active', async () => {
    const document = JSON.stringify(retailStrategy());
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => client.putStrategy({ strategyId: 'busy', document, format: JSON_FORMAT }, md())),
    );
    expect(answers.map((a) => a.strategy!.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await client.getStrategy({ strategyId: 'busy', version: 0 }, md())).strategy).toMatchObject({ version: 8 });
  });

  it('keeps each tenant to its own strategies', async () => {
    await client.putStrategy(
      { strategyId: 'private', document: JSON.stringify(retailStrategy()), format: JSON_FORMAT },
      md(),
    );
    expect(await failure(client.getStrategy({ strategyId: 'private', version: 0 }, mdOther()))).toMatchObject({
      code: status.NOT_FOUND,
    });
    expect(await failure(client.listStrategyVersions({ strategyId: 'private' }, mdOther()))).toMatchObject({
      code: status.NOT_FOUND,
    });
  });

  it('answers over REST with every error by path in the details', async () => {
    const headers = { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' };
    const url = `${sut.app.httpUrl}/v1/orchestrator/strategies/rest-one`;
    const ok = await fetch(url, { method: 'PUT', headers, body: JSON.stringify(retailStrategy()) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ strategy: { strategyId: 'rest-one', version: 1, active: true } });

    const doc = { ...retailStrategy(), arms: [{ ...retailStrategy().arms[0], weight: 70 }] };
    const bad = await fetch(url, { method: 'PUT', headers, body: JSON.stringify(doc) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { violations: [{ path: '/arms', message: 'arm weights sum to 70, not 100' }] },
    });

    const versions = await fetch(`${url}/versions`, { headers });
    expect(((await versions.json()) as { versions: { version: number }[] }).versions.map((v) => v.version)).toEqual([
      1,
    ]);
    const byVersion = await fetch(`${url}/versions/1`, { headers });
    expect(await byVersion.json()).toMatchObject({ strategy: { version: 1, active: true } });
    expect((await fetch(`${url}/versions/7`, { headers })).status).toBe(404);
  });
});
