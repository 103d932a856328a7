import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EXPECTED_SKELETON_FACTS,
  RunningProcess,
  expectedSkeletonFacts,
  newTenant,
  runWalkingSkeleton,
  startProcess,
  waitForHttp,
} from '../src';

const REPO = join(__dirname, '..', '..', '..');

describe('npm start (embedded platform)', () => {
  let platform: RunningProcess;
  let dataDir: string;
  const tenant = newTenant();
  const http = 'http://127.0.0.1:3900';

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'embedded-'));
    platform = startProcess('embedded platform', process.execPath, [join(REPO, 'deploy/embedded/dist/main.js')], {
      EMBEDDED_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: '54399',
      HTTP_PORT: '3900',
      GRPC_PORT: '50950',
      API_KEYS: tenant.apiKeys,
    });
  });

  afterAll(async () => {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers health within 30 seconds of starting', async () => {
    await waitForHttp(platform, `${http}/health`, 30_000);
    expect(platform.output()).toContain('REST     http://127.0.0.1:3900');
    expect(await (await fetch(`${http}/ready`)).json()).toMatchObject({ status: 'ready' });
  });

  it('carries a payment from the ledger to scoring, orchestrator, promises and reporting in one process', async () => {
    const grpc = '127.0.0.1:50950';
    const outcome = await runWalkingSkeleton({
      ledgerHttp: http,
      apiKey: tenant.apiKey,
      grpc: { ledger: grpc, scoring: grpc, orchestrator: grpc, promises: grpc, reporting: grpc },
    });
    expect(expectedSkeletonFacts(outcome)).toEqual(EXPECTED_SKELETON_FACTS);
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(
      /collections_events_published_total\{topic="collections.ledger.payment.v1",service="platform"\} [1-9]/,
    );
  });
});
