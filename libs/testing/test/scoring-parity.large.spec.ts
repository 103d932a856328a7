import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoring } from '@collections/contracts';
import { freePort, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { CreditRiskModel, parseUciCsv } from '../../../services/scoring/src/model';
import { PRODUCTION_MODEL_FILE } from '../../../services/scoring/src/scores/feature-store.consumer';
import { RunningProcess, newTenant, startProcess, waitForHttp, waitWhileProgressing } from '../src';

const REPO = join(__dirname, '..', '..', '..');
const TRAIN = join(REPO, '..', 'shared', 'datasets', 'uci-credit-default', 'train.csv');
const CLIENTS = 150;

/**
 * Accounts imported through the ledger's UCI importer reach scoring only as ledger events; the
 * scores scoring computes from its feature store must equal the model's scores computed from
 * the file rows themselves (the feature definition is shared, so there is no skew).
 */
describe('scoring parity with the ledger import (embedded platform)', () => {
  const tenant = newTenant();
  let platform: RunningProcess;
  let dir: string;
  let pgPort: number;
  let grpcPort: number;

  beforeAll(async () => {
    const httpPort = await freePort();
    [pgPort, grpcPort] = [await freePort(), await freePort()];
    dir = mkdtempSync(join(tmpdir(), 'parity-'));
    platform = startProcess('embedded platform', process.execPath, [join(REPO, 'deploy/embedded/dist/main.js')], {
      EMBEDDED_DATA_DIR: join(dir, 'pglite'),
      EMBEDDED_PG_PORT: String(pgPort),
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      API_KEYS: tenant.apiKeys,
    });
    await waitForHttp(platform, `http://127.0.0.1:${httpPort}/ready`, 60_000);
  });

  afterAll(async () => {
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores each imported account exactly as the model scores its file row', async () => {
    const lines = readFileSync(TRAIN, 'utf8')
      .trim()
      .split('\n')
      .slice(0, CLIENTS + 1);
    const file = join(dir, 'portfolio.csv');
    writeFileSync(file, lines.join('\n'));
    execFileSync(
      process.execPath,
      [join(REPO, 'services/ledger/dist/imports/cli/import.js'), '--file', file, '--tenant', tenant.tenant],
      {
        env: { ...process.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres` },
        stdio: 'pipe',
      },
    );

    const model = CreditRiskModel.fromArtifact(readFileSync(PRODUCTION_MODEL_FILE, 'utf8'));
    // The ledger keeps no education (it is not collections data), so scoring imputes it.
    const expected = parseUciCsv(lines.join('\n')).map((a) => ({
      accountId: `uci-${a.id}`,
      probabilityToPay: model.score({ ...a.history, education: undefined }).probabilityToPay,
    }));

    const client = grpcClient(scoring.ScoringServiceService, `127.0.0.1:${grpcPort}`);
    const md = () => metadataFromPrincipalHeaders({ apiKey: tenant.apiKey });
    try {
      // Each account is re-scored on every event; wait until the last one (its September payment or statement) is in.
      // On a loaded machine the embedded platform takes minutes: wait while more accounts match.
      const actual = await waitWhileProgressing(
        async () => {
          const scores = await Promise.all(
            expected.map((e) => client.scoreAccount({ accountId: e.accountId }, md()).catch(() => undefined)),
          );
          const matching = scores.filter(
            (s, i) => s && Math.abs(s.probabilityToPay - expected[i].probabilityToPay) < 1e-12,
          ).length;
          return { done: matching === expected.length ? scores : undefined, progress: matching };
        },
        {
          stallMs: 120_000,
          capMs: 600_000,
          intervalMs: 1_000,
          message: `all ${CLIENTS} accounts scored as the file rows`,
        },
      );
      expect(actual.map((s) => s!.probabilityToPay)).toEqual(expected.map((e) => e.probabilityToPay));
      expect(actual.every((s) => s!.reasons.length > 0)).toBe(true);
    } finally {
      client.close();
    }
  }, 660_000);
});
