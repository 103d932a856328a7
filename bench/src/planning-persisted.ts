import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  DAILY_PLANNING,
  DailyPlanningSummary,
  DailyPlanningUseCase,
  orchestratorService,
} from '@collections/orchestrator';
import { provideInfrastructure, startServiceUnderTest } from '@collections/testing';
import { progress, report } from './report';

/**
 * The persisted daily planning run: N accounts seeded (COPY) into the planner's read model of a
 * fresh database, then the service's own daily run (DailyPlanningUseCase, the one the
 * HourlyClockScheduler starts) plans them in chunks and writes schedule rows, decision audit
 * rows, outbox events and progress. Beside it, in the same run, the raw engine: the same
 * keyset-paginated read of the read model and a COPY of as many rows of the same shapes, chunk
 * by chunk in one transaction each, into copies of the same tables (same indexes).
 */

/** Wednesday 2026-03-11, 15:00 UTC: mid-morning in the Americas. */
const NOW = new Date('2026-03-11T15:00:00Z');
const TODAY = '2026-03-11';
const CHUNK = 10_000;
const ZONES: readonly (readonly [string, string, string])[] = [
  ['CO', 'America/Bogota', 'es'],
  ['MX', 'America/Mexico_City', 'es'],
  ['BR', 'America/Sao_Paulo', 'pt'],
  ['CL', 'America/Santiago', 'es'],
  ['PE', 'America/Lima', 'es'],
  ['EC', 'America/Guayaquil', 'es'],
  ['US', 'America/New_York', 'en'],
  ['US', 'America/Los_Angeles', 'en'],
];

/** A typical cadence: pre-due e-mail, due-day SMS, post-due WhatsApp and calls with fallbacks. */
export const STRATEGY = {
  name: 'bench cadence',
  priority: 1,
  entry: {},
  arms: [
    {
      id: 'champion',
      weight: 80,
      steps: [
        { id: 'd-3', channel: 'email', template: 'reminder', offset: { from: 'due_date', days: -3 } },
        {
          id: 'd0',
          channel: 'sms',
          template: 'due-today',
          offset: { from: 'due_date', days: 0 },
          fallbackChannel: 'email',
        },
        {
          id: 'd+3',
          channel: 'whatsapp',
          template: 'overdue',
          offset: { from: 'due_date', days: 3 },
          preferredWindow: { from: '10:00', to: '13:00' },
          fallbackChannel: 'sms',
        },
        {
          id: 'd+10',
          channel: 'call',
          template: 'overdue',
          offset: { from: 'due_date', days: 10 },
          preferredWindow: { from: '09:00', to: '12:00' },
          fallbackChannel: 'sms',
        },
        { id: 'd+30', channel: 'letter', template: 'final-notice', offset: { from: 'due_date', days: 30 } },
      ],
    },
    {
      id: 'challenger',
      weight: 20,
      steps: [
        { id: 'd-1', channel: 'sms', template: 'reminder', offset: { from: 'due_date', days: -1 } },
        {
          id: 'd+2',
          channel: 'whatsapp',
          template: 'overdue',
          offset: { from: 'due_date', days: 2 },
          fallbackChannel: 'email',
        },
        { id: 'd+7', channel: 'email', template: 'overdue', offset: { from: 'due_date', days: 7 } },
      ],
    },
  ],
  stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
};

const pad = (i: number) => String(i).padStart(7, '0');
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** COPY text-format lines, generated lazily in 64 KiB pieces. */
async function copyLines(client: Client, sql: string, n: number, line: (i: number) => string): Promise<void> {
  async function* pieces() {
    let buffer = '';
    for (let i = 0; i < n; i++) {
      buffer += line(i);
      if (buffer.length > 1 << 16) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  }
  await pipeline(Readable.from(pieces()), client.query(copyFrom(sql)));
}

/** Deterministic portfolio: due dates from 10 days ahead to 40 behind, 2% opted out of SMS, 1% disputed. */
async function seed(client: Client, tenant: string, accounts: number): Promise<void> {
  let s = 7;
  const next = (max: number) => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s % max;
  };
  const zoneOf = (i: number) => ZONES[i % ZONES.length];
  await client.query(
    `INSERT INTO strategy_version (tenant_id, strategy_id, version, document) VALUES ($1, 'bench', 1, $2)`,
    [tenant, JSON.stringify(STRATEGY)],
  );
  await copyLines(
    client,
    `COPY debtor_profile (tenant_id, debtor_id, time_zone, country, region, consented_channels, language) FROM STDIN`,
    accounts,
    // Every debtor authorised every channel (Colombia contacts only on channels on record).
    (i) =>
      `${tenant}\tdebtor-${pad(i)}\t${zoneOf(i)[1]}\t${zoneOf(i)[0]}\t\t{call,sms,whatsapp,email,letter,visit}\t${zoneOf(i)[2]}\n`,
  );
  await copyLines(
    client,
    `COPY account_party (tenant_id, account_id, debtor_id, role) FROM STDIN`,
    accounts,
    (i) => `${tenant}\tacct-${pad(i)}\tdebtor-${pad(i)}\t1\n`,
  );
  await copyLines(
    client,
    `COPY planner_account (tenant_id, account_id, reference, product, currency, time_zone, segment, balance_minor,
       balance_known, due_date, days_past_due) FROM STDIN`,
    accounts,
    (i) => {
      const behind = next(50) - 10;
      return `${tenant}\tacct-${pad(i)}\tREF-${pad(i)}\tcredit_card\tUSD\t${zoneOf(i)[1]}\tnegotiate\t${
        10_000 + next(1_000_000)
      }\ttrue\t${addDays(TODAY, -behind)}\t${Math.max(0, behind)}\n`;
    },
  );
  await copyLines(
    client,
    `COPY debtor_channel_opt_out (tenant_id, debtor_id, channel, recorded_at) FROM STDIN`,
    Math.floor(accounts / 50),
    (k) => `${tenant}\tdebtor-${pad(k * 50 + 3)}\tsms\t2026-01-01T00:00:00Z\n`,
  );
  await copyLines(
    client,
    `COPY debtor_hold_state (tenant_id, hold_id, debtor_id, kind, active) FROM STDIN`,
    Math.floor(accounts / 100),
    (k) => `${tenant}\thold-${k}\tdebtor-${pad(k * 100 + 7)}\t1\ttrue\n`,
  );
  await client.query('ANALYZE');
}

interface Written {
  decisions: number;
  schedules: number;
  events: number;
}

async function written(client: Client, tenant: string): Promise<Written> {
  const { rows } = await client.query(
    `SELECT (SELECT count(*) FROM contact_decision WHERE tenant_id = $1)::int AS decisions,
            (SELECT count(*) FROM contact_schedule WHERE tenant_id = $1)::int AS schedules,
            (SELECT count(*) FROM outbox WHERE tenant_id = $1)::int AS events`,
    [tenant],
  );
  return rows[0] as Written;
}

/**
 * The raw engine: the same keyset pages of the read model, and per chunk a COPY of the same
 * number of decision, schedule and outbox rows (same shapes, into copies of the tables with their
 * indexes) and the stamp on each account, one transaction per chunk.
 */
async function rawRun(client: Client, tenant: string, accounts: number, target: Written): Promise<number> {
  await client.query(`CREATE TABLE raw_decision (LIKE contact_decision INCLUDING ALL)`);
  await client.query(`CREATE TABLE raw_schedule (LIKE contact_schedule INCLUDING ALL)`);
  await client.query(`CREATE TABLE raw_outbox (LIKE outbox INCLUDING ALL)`);
  const perAccount = {
    decisions: target.decisions / accounts,
    schedules: target.schedules / accounts,
    events: target.events / accounts,
  };
  const payload = Buffer.alloc(120, 7).toString('hex');
  const headers = JSON.stringify({
    ce_type: 'collections.orchestrator.v1.ContactDecision',
    ce_source: '/collections/orchestrator',
    ce_specversion: '1.0',
    'content-type': 'application/protobuf',
    ce_tenantid: tenant,
    ce_time: NOW.toISOString(),
  }).replace(/\\/g, '\\\\');
  const started = process.hrtime.bigint();
  let after = '';
  let done = 0;
  const quota = { decisions: 0, schedules: 0, events: 0 };
  for (;;) {
    await client.query('BEGIN');
    const { rows } = await client.query(
      `SELECT a.account_id, a.due_date, p.debtor_id, p.time_zone FROM planner_account a
         JOIN account_party ap ON ap.tenant_id = a.tenant_id AND ap.account_id = a.account_id
         JOIN debtor_profile p ON p.tenant_id = ap.tenant_id AND p.debtor_id = ap.debtor_id
        WHERE a.tenant_id = $1 AND a.account_id > $2 AND a.due_date IS NOT NULL
        ORDER BY a.account_id LIMIT $3 FOR UPDATE OF a`,
      [tenant, after, CHUNK],
    );
    const ids = rows.map((r: { account_id: string }) => r.account_id);
    done += ids.length;
    const upTo = (kind: keyof Written) => Math.round(done * perAccount[kind]) - quota[kind];
    const n = { decisions: upTo('decisions'), schedules: upTo('schedules'), events: upTo('events') };
    const acct = (k: number) => ids[k % Math.max(1, ids.length)];
    const at = NOW.toISOString();
    await copyLines(
      client,
      `COPY raw_decision (tenant_id, account_id, channel, allowed, reasons, decided_at, caused_by_event, next_permitted_at,
         contact_at, stage, arm_id) FROM STDIN`,
      n.decisions,
      (k) => `${tenant}\t${acct(k)}\t2\ttrue\t{}\t${at}\tdaily-run:2026-03-11T15\t${at}\t${at}\tplan\tchampion\n`,
    );
    await copyLines(
      client,
      `COPY raw_schedule (tenant_id, account_id, debtor_id, decision_id, strategy_id, strategy_version, arm_id, step_id,
         channel, template, fallback, due_at, status, created_at, updated_at) FROM STDIN`,
      n.schedules,
      (k) =>
        `${tenant}\t${acct(k)}\tdebtor-${acct(k)}\t${randomUUID()}\tbench\t1\tchampion\td-3\temail\treminder\tfalse\t${at}\tpending\t${at}\t${at}\n`,
    );
    await copyLines(
      client,
      `COPY raw_outbox (event_id, tenant_id, topic, key, headers, payload) FROM STDIN`,
      n.events,
      (k) =>
        `${randomUUID()}\t${tenant}\tcollections.orchestrator.contact.v1\t${acct(k)}\t${headers}\t\\\\x${payload}\n`,
    );
    await client.query(
      `UPDATE planner_account SET daily_planned_on = $3 WHERE tenant_id = $1 AND account_id = ANY($2::text[])`,
      [tenant, ids, TODAY],
    );
    await client.query('COMMIT');
    quota.decisions += n.decisions;
    quota.schedules += n.schedules;
    quota.events += n.events;
    if (ids.length < CHUNK) break;
    after = ids[ids.length - 1];
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Runs the persisted daily run over `accounts` accounts and prints its JSON line. */
export async function persistedPlanningRun(accounts: number, runs: number): Promise<void> {
  const infra = await provideInfrastructure({ kafka: false });
  process.env.DATABASE_URL = infra.databaseUrl;
  Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
  try {
    for (let run = 1; run <= runs; run++) {
      const sut = await startServiceUnderTest(orchestratorService, NOW);
      const client = new Client({ connectionString: sut.db.url });
      await client.connect();
      try {
        await client.query('SET search_path TO orchestrator, public');
        progress(`run ${run}/${runs}: seeding ${accounts} accounts (COPY)`);
        let t = process.hrtime.bigint();
        await seed(client, sut.tenant, accounts);
        const seedSeconds = Number(process.hrtime.bigint() - t) / 1e9;
        progress(`seeded in ${seedSeconds.toFixed(1)}s; the service's daily planning run`);

        const job = sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING);
        const profiler = await startProfile();
        t = process.hrtime.bigint();
        const cpu = process.cpuUsage();
        const summary: DailyPlanningSummary = await job.run();
        const seconds = Number(process.hrtime.bigint() - t) / 1e9;
        const { user, system } = process.cpuUsage(cpu);
        await profiler?.();
        const rows = await written(client, sut.tenant);
        progress(`planned in ${seconds.toFixed(1)}s: ${JSON.stringify(rows)}; the same run again (same day)`);

        t = process.hrtime.bigint();
        const again = await job.run();
        const rerunSeconds = Number(process.hrtime.bigint() - t) / 1e9;
        const rowsAfterRerun = await written(client, sut.tenant);
        const rerunWrites =
          rowsAfterRerun.decisions -
          rows.decisions +
          rowsAfterRerun.schedules -
          rows.schedules +
          rowsAfterRerun.events -
          rows.events;

        progress('raw engine: keyset read + COPY of the same rows');
        const rawSeconds = await rawRun(client, sut.tenant, accounts, rows);
        const { results, ...counts } = splitResults(summary);
        report({
          bench: 'planning',
          metric: 'planner_daily_run_persisted_s',
          value: Number(seconds.toFixed(2)),
          unit: 's',
          baseline:
            'raw keyset read of the same read model + COPY of as many rows of the same tables, chunk per transaction',
          baselineValue: Number(rawSeconds.toFixed(2)),
          target: 120,
          run,
          accounts,
          chunk: 10_000,
          accountsPerSecond: Math.round(accounts / seconds),
          // The service's own CPU time (this process): less distorted by a busy machine than the wall clock.
          processCpuSeconds: Number(((user + system) / 1e6).toFixed(2)),
          ...rows,
          results,
          chunks: counts.chunks,
          ms: summary.ms,
          seedSeconds: Number(seedSeconds.toFixed(1)),
          rerunSeconds: Number(rerunSeconds.toFixed(2)),
          rerunAlreadyPlanned: again.alreadyPlanned,
          rerunWrites,
          persisted: true,
        });
      } finally {
        await client.end();
        await sut.close();
      }
    }
  } finally {
    await infra.stop();
  }
}

/**
 * BENCH_CPU_PROFILE=<file.cpuprofile>: a V8 CPU profile of the service's daily run alone (not the
 * seeding, the re-run or the raw engine), for chrome://inspect or any .cpuprofile viewer.
 */
async function startProfile(): Promise<(() => Promise<void>) | undefined> {
  const file = process.env.BENCH_CPU_PROFILE;
  if (!file) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    progress(`CPU profile of the daily run written to ${file}`);
  };
}

function splitResults(summary: DailyPlanningSummary): { results: Record<string, number>; chunks: number } {
  const { accounts: _a, alreadyPlanned: _p, chunks, ms: _m, ...results } = summary;
  return { results: results as Record<string, number>, chunks };
}
