import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
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
import { freePort } from '@collections/platform';

const REPO = join(__dirname, '..', '..', '..');

describe('npm start (embedded platform)', () => {
  let platform: RunningProcess;
  let dataDir: string;
  const tenant = newTenant();
  let http: string;
  let grpc: string;

  beforeAll(async () => {
    const [pgPort, httpPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
    http = `http://127.0.0.1:${httpPort}`;
    grpc = `127.0.0.1:${grpcPort}`;
    dataDir = mkdtempSync(join(tmpdir(), 'embedded-'));
    platform = startProcess('embedded platform', process.execPath, [join(REPO, 'deploy/embedded/dist/main.js')], {
      // A folder of its own: the installation's secrets are kept beside it.
      EMBEDDED_DATA_DIR: join(dataDir, 'pglite'),
      EMBEDDED_PG_PORT: String(pgPort),
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      API_KEYS: tenant.apiKeys,
    });
  });

  afterAll(async () => {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers health and readiness once started, naming its REST address', async () => {
    // A wait for the condition, not a timing: a loaded machine may take longer to boot five services.
    await waitForHttp(platform, `${http}/health`, 180_000);
    expect(platform.output()).toContain(`REST     ${http}`);
    expect(await (await fetch(`${http}/ready`)).json()).toMatchObject({ status: 'ready' });
  });

  it('carries a payment from the ledger to scoring, orchestrator, promises and reporting in one process', async () => {
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

describe('npm start (embedded platform) retention settings', () => {
  it('refuses a retention it cannot honour, naming each variable, before it starts anything', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'embedded-retention-'));
    try {
      const run = spawnSync(process.execPath, [join(REPO, 'deploy/embedded/dist/main.js')], {
        env: {
          ...process.env,
          EMBEDDED_DATA_DIR: join(dataDir, 'pglite'),
          OUTBOX_RETENTION_HOURS: '24',
          INBOX_RETENTION_HOURS: '-5',
          EVENT_LOG_RETENTION_HOURS: 'a week',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('Invalid configuration (2 problems)');
      expect(run.stderr).toContain('INBOX_RETENTION_HOURS: must be >= 0, got -5');
      expect(run.stderr).toContain('EVENT_LOG_RETENTION_HOURS: expected a number, got "a week"');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
