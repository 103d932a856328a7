import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, ServiceError } from '@grpc/grpc-js';
import { Client } from 'pg';
import { parse } from 'yaml';
import { Topic, ledger, promises, reconciliation, reporting } from '@collections/contracts';
import { KafkaTransport } from '@collections/messaging';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import {
  DashboardQuery,
  Interpolation,
  RunningProcess,
  RunningPrometheus,
  TestDatabase,
  createTestDatabase,
  freePort,
  interpolatePromql,
  interpolateSql,
  newTenant,
  promqlOfVariableQuery,
  readDashboards,
  runWalkingSkeleton,
  startProcess,
  startPrometheus,
  waitFor,
  waitForHttp,
} from '../src';

const REPO = join(__dirname, '..', '..', '..');
const GRAFANA = join(REPO, 'deploy', 'grafana');
const SERVICES = ['ledger', 'scoring', 'orchestrator', 'promises', 'reporting'] as const;

/** Non-empty: a vector or matrix with at least one series, or a scalar. */
function hasData(r: { resultType: string; result: unknown }): boolean {
  return r.resultType === 'scalar' || r.resultType === 'string' || (Array.isArray(r.result) && r.result.length > 0);
}

/**
 * Every query of every provisioned Grafana dashboard runs against a platform seeded with data:
 * PromQL on a real Prometheus server scraping the five services' /metrics, SQL on the reporting
 * schema the PostgreSQL datasource reads. A query that errors, or returns nothing once the
 * seeded events have flowed, fails. Panels are found by parsing the dashboard JSON, so a new
 * panel is covered without touching this test.
 */
describe('Grafana dashboards against a seeded platform', () => {
  const tenant = newTenant();
  const dashboards = readDashboards(join(GRAFANA, 'dashboards'));
  const processes: RunningProcess[] = [];
  const ports: { http: number; grpc: number }[] = [];
  let db: TestDatabase;
  let prometheus: RunningPrometheus;
  let sql: Client;
  let interpolation: Interpolation;

  beforeAll(async () => {
    db = await createTestDatabase(undefined, 'grafana');
    const topicPrefix = `g${randomBytes(4).toString('hex')}.`;
    const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
    for (const name of SERVICES) {
      const port = { http: await freePort(), grpc: await freePort() };
      ports.push(port);
      processes.push(
        startProcess(name, process.execPath, [join(REPO, `services/${name}/dist/main.js`)], {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: brokers,
          KAFKA_TOPIC_PREFIX: topicPrefix,
          HTTP_PORT: String(port.http),
          GRPC_PORT: String(port.grpc),
          HTTP_HOST: '127.0.0.1',
          GRPC_HOST: '127.0.0.1',
          API_KEYS: tenant.apiKeys,
          LOG_LEVEL: 'warn',
        }),
      );
    }
    await Promise.all(processes.map((p, i) => waitForHttp(p, `http://127.0.0.1:${ports[i].http}/ready`, 120_000)));
    prometheus = await startPrometheus({
      job: 'collections',
      targets: ports.map((p) => `127.0.0.1:${p.http}`),
      scrapeIntervalSeconds: 1,
    });

    // Seed: the walking skeleton (account, charge, promise, payment twice, score, contact decision,
    // a call without credentials), an unmatched bank credit and chargeback, a refused KPI query, a REST call without credentials, a record
    // no consumer can decode (dead-lettered by every service that reads the topic), an offer waiting for a supervisor, a call waiting
    // for an agent and a debtor's open dispute.
    const grpc = Object.fromEntries(SERVICES.map((s, i) => [s, `127.0.0.1:${ports[i].grpc}`])) as Record<
      (typeof SERVICES)[number],
      string
    >;
    await runWalkingSkeleton({ ledgerHttp: `http://127.0.0.1:${ports[0].http}`, apiKey: tenant.apiKey, grpc });
    // A bank credit whose reference names no account: unapplied cash, waiting in the review queue.
    const reconciliationClient = grpcClient(reconciliation.ReconciliationServiceService, grpc.ledger);
    try {
      const bankFile = [
        'booking_date,value_date,amount,currency,reference,counterparty_account,bank_reference',
        '2026-03-01,2026-03-01,45.50,USD,transferencia,CO98765432109876,BNK-GRAFANA-1',
      ].join('\n');
      const summary = await reconciliationClient.importStatement(
        {
          content: Buffer.from(bankFile),
          kind: reconciliation.StatementFileKind.STATEMENT_FILE_KIND_BANK_CSV,
          name: 'unapplied.csv',
        },
        metadataFromPrincipalHeaders({ apiKey: tenant.apiKey }),
      );
      expect(summary.unmatched).toBe(1);
      // A gateway chargeback naming a charge no file posted: a return waiting in the same queue.
      const gatewayFile = [
        'id,type,amount,fee,net,currency,reference,created',
        'dp_grafana_1,chargeback,-20.00,15.00,-35.00,USD,ch_unknown,2026-03-05T09:00:00Z',
      ].join('\n');
      const returns = await reconciliationClient.importStatement(
        {
          content: Buffer.from(gatewayFile),
          kind: reconciliation.StatementFileKind.STATEMENT_FILE_KIND_GATEWAY_CSV,
          name: 'chargebacks.csv',
        },
        metadataFromPrincipalHeaders({ apiKey: tenant.apiKey }),
      );
      expect(returns).toMatchObject({ unmatched: 1, reversed: 0 });
    } finally {
      reconciliationClient.close();
    }
    // A debtor's dispute, waiting for a compliance officer's answer.
    const ledgerClient = grpcClient(ledger.LedgerServiceService, grpc.ledger);
    try {
      const meta = metadataFromPrincipalHeaders({ apiKey: tenant.apiKey });
      await ledgerClient.upsertDebtor(
        {
          debtor: ledger.Debtor.fromPartial({
            debtorId: 'debtor-grafana-dispute',
            kind: 'person',
            displayName: 'Ana',
            country: 'CO',
            timeZone: 'America/Bogota',
          }),
        },
        meta,
      );
      await ledgerClient.setHold(
        {
          debtorId: 'debtor-grafana-dispute',
          kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
          source: 'debtor',
          startsOn: '2026-03-01',
          endsOn: '',
          idempotencyKey: 'grafana-dispute',
          bankruptcyChapter: 0,
        },
        meta,
      );
    } finally {
      ledgerClient.close();
    }
    const reportingClient = grpcClient(reporting.ReportingServiceService, grpc.reporting);
    try {
      const refused = await reportingClient
        .getKpis(
          { fromDate: '2026-03-01', toDate: '2026-01-01', segment: '', modelVersion: '', channel: '', currency: '' },
          metadataFromPrincipalHeaders({ apiKey: tenant.apiKey }),
        )
        .then(
          () => undefined,
          (err: ServiceError) => err.code,
        );
      expect(refused).toBeDefined();
      await reportingClient.getRecoverySummary({}, new Metadata()).catch(() => undefined);
    } finally {
      reportingClient.close();
    }
    expect((await fetch(`http://127.0.0.1:${ports[4].http}/v1/reporting/recovery-summary`)).status).toBe(401);
    const kafka = new KafkaTransport({ brokers: brokers.split(','), clientId: 'grafana-test', topicPrefix });
    try {
      await kafka.publish([{ topic: Topic.LedgerPayment, key: 'poison', headers: {}, payload: Buffer.from('no') }]);
    } finally {
      await kafka.close();
    }

    sql = new Client({ connectionString: db.url });
    await sql.connect();
    // The daily forecast snapshot is taken by the clock (at most hourly), so none exists yet: keep one
    // taken a week before this week began, for the forecast-vs-actual panel to compare with this week's payments.
    await sql.query(
      `INSERT INTO reporting.forecast_snapshot
         (tenant_id, currency, as_of_date, week_start, expected_minor, from_plans_minor, from_scores_minor, taken_at)
       SELECT $1, 'USD', w - 7, w, 15000, 10000, 5000, now() - interval '7 days'
         FROM (SELECT date_trunc('week', now() AT TIME ZONE 'UTC')::date AS w) week`,
      [tenant.tenant],
    );
    // An offer beyond an agent's limits, waiting for a supervisor since two hours ago (an agent's
    // offer needs the ledger's standing of the account, which these services are not wired to reach).
    await sql.query(
      `INSERT INTO promises.offer_approval
         (tenant_id, account_id, kind, request, reason, agent_id, policy_version, state, idempotency_key, requested_at,
          expires_at)
       VALUES ($1, 'acct-grafana-approval', 'plan', '{}', 'an agent may grant at most 24 instalments, asked 30: needs a supervisor',
               'agent-grafana', 0, $2, 'grafana-approval', now() - interval '2 hours', now() + interval '70 hours')`,
      [tenant.tenant, promises.ApprovalState.APPROVAL_STATE_PENDING],
    );
    // And one that expired undecided eight hours ago.
    await sql.query(
      `INSERT INTO promises.offer_approval
         (tenant_id, account_id, kind, request, reason, agent_id, policy_version, state, idempotency_key, requested_at,
          expires_at)
       VALUES ($1, 'acct-grafana-expired', 'settlement', '{}', 'an agent may discount at most 20%, asked 40%: needs a supervisor',
               'agent-grafana', 0, $2, 'grafana-expired', now() - interval '80 hours', now() - interval '8 hours')`,
      [tenant.tenant, promises.ApprovalState.APPROVAL_STATE_EXPIRED],
    );
    // And one a supervisor rejected three hours ago.
    await sql.query(
      `INSERT INTO promises.offer_approval
         (tenant_id, account_id, kind, request, reason, agent_id, policy_version, state, idempotency_key, requested_at,
          expires_at, decided_by, decided_at, decision_note)
       VALUES ($1, 'acct-grafana-rejected', 'plan', '{}', 'an agent may grant at most 24 instalments, asked 36: needs a supervisor',
               'agent-grafana', 0, $2, 'grafana-rejected', now() - interval '5 hours', now() + interval '67 hours',
               'supervisor-grafana', now() - interval '3 hours', '')`,
      [tenant.tenant, promises.ApprovalState.APPROVAL_STATE_REJECTED],
    );
    // A call no agent has claimed, due since yesterday (these services have no agent on record).
    await sql.query(
      `INSERT INTO orchestrator.agent_task (tenant_id, account_id, kind, queue, reason, caused_by_event_id, due_at, created_at)
       VALUES ($1, 'acct-grafana-call', 'call', 'broken-promises', 'promise broken', 'grafana-call', now() - interval '1 day',
               now() - interval '1 day')`,
      [tenant.tenant],
    );
    const now = Date.now();
    interpolation = {
      variables: { tenant: tenant.tenant },
      from: new Date(now - 90 * 86_400_000),
      to: new Date(now + 86_400_000),
      rateInterval: '30s',
      range: '1h',
    };
    for (const v of dashboards.variables) {
      if (v.includeAll) interpolation.variables[v.name] = v.allValue ?? '.*';
    }
    // Every service scraped at least once before any panel is asked.
    await waitFor(
      async () => {
        const up = await prometheus.query('sum(up{job="collections"})');
        const series = up.result as { value: [number, string] }[];
        return series.length === 1 && Number(series[0].value[1]) === SERVICES.length;
      },
      { timeoutMs: 60_000, intervalMs: 250, message: 'Prometheus scraping all five services' },
    );
  });

  afterAll(async () => {
    await sql?.end();
    await prometheus?.stop();
    await Promise.all(processes.map((p) => p.stop()));
    await db?.drop();
  });

  it('finds the ops and business dashboards and every panel query in them', () => {
    const titles = new Set(dashboards.queries.map((q) => q.dashboard));
    expect([...titles].sort()).toEqual(['business.json (Collections / Business)', 'ops.json (Collections / Ops)']);
    expect(dashboards.panelCount).toBeGreaterThan(20);
  });

  it('uses only datasources that Grafana is provisioned with', () => {
    const provisioned = parse(
      readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'datasources.yaml'), 'utf8'),
    ) as { datasources: { uid: string; type: string }[] };
    const uids = new Map(provisioned.datasources.map((d) => [d.uid, d.type]));
    for (const q of dashboards.queries) {
      const type = uids.get(q.datasourceUid);
      expect({ where: `${q.dashboard}: ${q.where}`, type }).toEqual({
        where: `${q.dashboard}: ${q.where}`,
        type: q.kind === 'prometheus' ? 'prometheus' : 'grafana-postgresql-datasource',
      });
    }
  });

  const run = async (q: DashboardQuery): Promise<boolean> => {
    if (q.kind === 'prometheus') {
      const expr = q.where.startsWith('variable') ? promqlOfVariableQuery(q.text) : interpolatePromql(q, interpolation);
      return hasData(await prometheus.query(expr));
    }
    const rows = (await sql.query(interpolateSql(q, interpolation))).rows as Record<string, unknown>[];
    if (q.where === 'variable $tenant') return rows.some((r) => Object.values(r).includes(tenant.tenant));
    return rows.length > 0;
  };

  it('runs every PromQL and SQL query of every panel and variable with data on the seeded platform', async () => {
    const failures: string[] = [];
    for (const q of dashboards.queries) {
      try {
        // A query error is final (rethrown at once); an empty answer is waited out until the
        // seeded events have been projected and scraped.
        let lastError: unknown;
        await waitFor(
          async () => {
            try {
              return await run(q);
            } catch (err) {
              lastError = err;
              return true;
            }
          },
          { timeoutMs: 60_000, intervalMs: 500, message: 'the query to return data' },
        );
        if (lastError) throw lastError;
      } catch (err) {
        failures.push(`${q.dashboard}: ${q.where}: ${(err as Error).message}\n  ${q.text.split('\n').join('\n  ')}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
