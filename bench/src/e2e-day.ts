import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg as osLoadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { Client } from 'pg';
import { ledger, orchestrator, simulation } from '@collections/contracts';
import { grpcClient } from '@collections/platform';
import { RunningProcess, createTestDatabase, startListeningScript } from '@collections/testing';
import { STRATEGY } from './planning-persisted';
import { progress, report } from './report';
import { importIntoLedger, startServiceProcesses } from './service-processes';

export const DAY_SERVICES = ['ledger', 'scoring', 'orchestrator', 'promises', 'reporting'] as const;
const TENANT = 'bench';
const API_KEY = 'bench-key';

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const ref = (i: number) => `DAY${String(i).padStart(7, '0')}`;

/** Days past due of account i on the day the clock leaves: -10 (due in 10 days) to 89, evenly spread. */
export const dpdBefore = (i: number) => (i % 100) - 10;

export interface DayPlatform {
  db: { url: string; name: string; drop(): Promise<void> };
  pg: Client;
  processes: RunningProcess[];
  sims: { service: string; client: ReturnType<typeof simClient> }[];
  grpcOf(service: string): string;
  auth: Metadata;
  start: string;
  today: string;
  /** E-mails the platform's SMTP server has accepted so far. */
  emailsAccepted(): number;
  stop(): Promise<void>;
}

/** The orchestrator's own test SMTP server (npm smtp-server), a real SMTP server in its own process. */
const SMTP_SERVER = join(__dirname, '..', '..', 'services', 'orchestrator', 'test', 'support', 'smtp-server.mjs');

/**
 * A real SMTP server for the day's e-mail (the one channel whose provider is a protocol, not a
 * SaaS): the dispatch run renders, sends and records every e-mail as in production. It keeps each
 * accepted message as a JSON line in `mailbox`.
 */
async function startSmtp(processes: RunningProcess[], mailbox: string): Promise<number> {
  const { proc, port } = await startListeningScript('smtp-server', SMTP_SERVER, { SMTP_OUT: mailbox });
  processes.push(proc);
  return port;
}

const linesIn = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;

/** A clock job's call may take hours at 1,000,000 accounts (the dispatch run sends per contact). */
function simClient(address: string) {
  return grpcClient(simulation.SimulationServiceService, address, { deadlineMs: 6 * 3_600_000 });
}

/**
 * The ledger's portfolio and statements for `accounts` accounts, through the ledger's own importer
 * (the operator's command, generic CSV). Account i's only statement fell due so that it is
 * dpdBefore(i) days past due on `today`.
 */
export async function importLedger(dbUrl: string, accounts: number, today: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-day-'));
  try {
    const run = async (name: string, lines: Iterable<string>) => {
      const file = join(dir, name);
      writeFileSync(file, `${[...lines].join('\n')}\n`);
      await importIntoLedger(dbUrl, TENANT, file);
    };
    function* portfolio() {
      yield 'record,external_ref,debtor_id,debtor_kind,debtor_name,debtor_country,product,currency,credit_limit,opening_balance,opened_on';
      for (let i = 1; i <= accounts; i++)
        yield `account,${ref(i)},D${i},person,Debtor ${i},US,credit_card,USD,5000.00,1000.00,${addDays(today, -400)}`;
    }
    function* statements() {
      yield 'record,external_ref,currency,cycle,statement_date,due_date,amount_due,minimum_due';
      for (let i = 1; i <= accounts; i++) {
        const due = addDays(today, -dpdBefore(i));
        yield `statement,${ref(i)},USD,1,${addDays(due, -25)},${due},1000.00,100.00`;
      }
    }
    await run('portfolio.csv', portfolio());
    await run('statements.csv', statements());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The five services as processes on a simulated clock at `start`, on a fresh database. */
export async function startDayPlatform(
  infra: { databaseUrl: string; kafkaBrokers: string[] },
  start: string,
): Promise<DayPlatform> {
  const db = await createTestDatabase(infra.databaseUrl, 'bench_e2e_day');
  const prefix = `day${randomBytes(4).toString('hex')}.`;
  const processes: RunningProcess[] = [];
  const mailDir = mkdtempSync(join(tmpdir(), 'bench-day-smtp-'));
  const mailbox = join(mailDir, 'received.jsonl');
  const pg = new Client({ connectionString: db.url });
  const stop = async () => {
    await pg.end().catch(() => undefined);
    await Promise.all(processes.map((p) => p.stop()));
    rmSync(mailDir, { recursive: true, force: true });
    await db.drop().catch(() => undefined);
  };
  try {
    const smtpPort = await startSmtp(processes, mailbox);
    const { grpcOf } = await startServiceProcesses(
      {
        services: DAY_SERVICES,
        databaseUrl: db.url,
        kafkaBrokers: infra.kafkaBrokers,
        topicPrefix: prefix,
        tenant: TENANT,
        apiKey: API_KEY,
        env: {
          KAFKA_COMMIT_INTERVAL_MS: '20',
          PLATFORM_CLOCK: 'simulated',
          PLATFORM_CLOCK_START: start,
          PAYMENT_LINK_SECRET: randomBytes(32).toString('base64url'),
          LOG_LEVEL: process.env.BENCH_DAY_LOG_LEVEL ?? 'warn',
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtpPort),
          SMTP_FROM: 'cobros@bench.example',
        },
        readyTimeoutMs: 300_000,
      },
      processes,
    );
    await pg.connect();
    const auth = new Metadata();
    auth.set('x-api-key', API_KEY);
    const sims = DAY_SERVICES.map((service) => ({ service, client: simClient(grpcOf(service)) }));
    const emailsAccepted = () => linesIn(mailbox);
    return { db, pg, processes, sims, grpcOf, auth, start, today: start.slice(0, 10), emailsAccepted, stop };
  } catch (err) {
    for (const p of processes) process.stderr.write(`--- ${p.name}\n${p.output().slice(-3000)}\n`);
    await stop();
    throw err;
  }
}

/**
 * Waits until no process has event work pending (outbox, consumer lag) two rounds in a row with
 * no log head moved in between, as the simulator's coordinator does between clock jobs.
 */
export async function settled(p: DayPlatform, withinMs = 3_600_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  let previous: simulation.GetBacklogResponse[] | undefined;
  let said = Date.now();
  for (let attempt = 0; ; attempt++) {
    let answers: simulation.GetBacklogResponse[];
    try {
      answers = await Promise.all(p.sims.map((s) => s.client.getBacklog({}, p.auth)));
    } catch (err) {
      // a process's look at its consumer groups can fail while they rebalance: look again
      if (Date.now() > deadline) throw err;
      previous = undefined;
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (Date.now() - said > 10_000) {
      said = Date.now();
      progress(
        `    waiting: ${answers.map((a, i) => `${p.sims[i].service} outbox ${a.outbox} lag ${a.consumerLag}`).join(', ')}`,
      );
    }
    const quiet = (round: simulation.GetBacklogResponse[]) => round.every((a) => a.drained);
    if (quiet(answers) && previous && quiet(previous) && answers.every((a, i) => a.logHead === previous![i].logHead))
      return;
    previous = answers;
    if (Date.now() > deadline) throw new Error('the platform did not settle');
    await new Promise((r) => setTimeout(r, Math.min(200, 5 + attempt * 5)));
  }
}

export interface JobTiming {
  job: string;
  service: string;
  ran: boolean;
  runSeconds: number;
  settleSeconds: number;
}

/**
 * The day change as the simulator's coordinator does it: every process's clock moves to `to`,
 * then every clock job runs, in name order, each followed by the wait until the event work it
 * caused is done. Each job's run and settling timed apart.
 */
export async function moveDay(p: DayPlatform, to: string): Promise<JobTiming[]> {
  const moved = await Promise.all(p.sims.map((s) => s.client.moveClock({ to: new Date(to) }, p.auth)));
  const jobs = moved
    .flatMap((m, i) => m.jobs.map((job) => ({ sim: p.sims[i], job })))
    .sort((a, b) => a.job.localeCompare(b.job));
  const timings: JobTiming[] = [];
  for (const { sim, job } of jobs) {
    progress(`  ${sim.service}: ${job}`);
    const t = process.hrtime.bigint();
    const { run } = await sim.client.runClockJob({ job }, p.auth);
    const runSeconds = seconds(t);
    const s = process.hrtime.bigint();
    await settled(p);
    const settleSeconds = seconds(s);
    progress(`    ran ${runSeconds.toFixed(2)} s, settled ${settleSeconds.toFixed(2)} s`);
    timings.push({
      job,
      service: sim.service,
      ran: run?.ran ?? false,
      runSeconds: Number(runSeconds.toFixed(2)),
      settleSeconds: Number(settleSeconds.toFixed(2)),
    });
  }
  return timings;
}

/** Rows per table of every service schema (non-empty ones). */
export async function tableCounts(pg: Client): Promise<Record<string, number>> {
  const { rows } = await pg.query(
    `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
      WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' ORDER BY 1`,
    [[...DAY_SERVICES]],
  );
  const out: Record<string, number> = {};
  for (const { t } of rows as { t: string }[]) {
    const n = Number((await pg.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n);
    if (n > 0) out[t] = n;
  }
  return out;
}

/** Tables not copied per account: bookkeeping of migrations and event delivery, the import's own jobs. */
const NOT_PER_ACCOUNT = new Set(['migrations', 'inbox', 'outbox', 'import_job', 'import_rejection']);
/** Sums over accounts: scaled by the number of copies (every copy adds the same as its template). */
const AGGREGATES = new Set(['reporting.kpi_rollup']);
/** Columns holding a provider's id of a message (unique per tenant and channel): suffixed per copy. */
const MESSAGE_IDS = new Set(['provider_message_id', 'message_id']);
/** uuid columns naming a row that is not copied (kept as they are). */
const SHARED_UUIDS = new Set(['import_job_id']);
/** The copy's own tables (template rows, known uuids), dropped at its end. */
const WORK = 'seed_work';
/** Tables copied at once, each by a connection of its own. */
const SEED_CONNECTIONS = 2;
/** Rows per INSERT statement while copying. */
const CHUNK_ROWS = 200_000;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** A text value the copy treats as a uuid as a whole. */
const UUID_START = '^[0-9a-f]{8}-[0-9a-f]{4}-';
const TEXT_TYPES = new Set(['text', 'character varying', 'character']);
const JSON_TYPES = new Set(['jsonb', 'json']);

interface Column {
  c: string;
  type: string;
}
interface TemplateTable {
  name: string;
  /** the table holding its template rows, with _tpl and the template's own ref, debtor id and name */
  tmp: string;
  cols: Column[];
  rows: number;
}

const q = (c: string) => `"${c.replace(/"/g, '""')}"`;

/**
 * Every service's rows of the template accounts 1..`template` (what the platform itself wrote
 * for them: the ledger's importer, then every service's consumers) copied to accounts
 * template+1..template*copies, account i from template ((i-1) % template) + 1, which has the same
 * days past due (dpdBefore has period 100). In each copy the account's and debtor's ids and
 * references are the new account's, and every uuid (entry, decision, schedule, event ids; in uuid
 * columns, text columns and inside text and JSON values) is md5(old, i), the same in every table,
 * so references between tables hold. Sums over accounts (the KPI roll-up) are multiplied. Column
 * by column: each column's expression is chosen from what the template rows hold in it. Returns
 * the rows per table afterwards.
 */
export async function replicate(pg: Client, template: number, copies: number): Promise<Record<string, number>> {
  if (100 % template !== 0 && template % 100 !== 0) throw new Error('the template must cover whole periods of 100');
  const { rows: tables } = (await pg.query(
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
      WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
    [[...DAY_SERVICES]],
  )) as { rows: { s: string; t: string }[] };
  await pg.query(`SET session_replication_role = replica`); // seeding: FK checks off (rows copied from consistent ones)
  const extra: Client[] = [];
  try {
    if (copies > 1) {
      await pg.query(`DROP SCHEMA IF EXISTS ${WORK} CASCADE`);
      await pg.query(`CREATE SCHEMA ${WORK}`);
      // the template rows of every table first, so that uuids found anywhere are known in all of them
      const plans: TemplateTable[] = [];
      for (const { s, t } of tables) {
        const name = `${s}.${t}`;
        if (NOT_PER_ACCOUNT.has(t)) continue;
        if (AGGREGATES.has(name)) {
          await pg.query(`UPDATE ${name} SET n = n * $1, v = v * $1`, [copies]);
          continue;
        }
        const plan = await templateRows(pg, name, s, t, template, plans);
        if (plan) plans.push(plan);
      }
      await knownUuids(pg, plans);
      // the tables copied side by side, one per connection, the largest first
      for (let k = 1; k < SEED_CONNECTIONS; k++) {
        const c = new Client({
          host: pg.host,
          port: pg.port,
          user: pg.user,
          database: pg.database,
          password: pg.password,
        });
        extra.push(c);
        await c.connect();
        await c.query(`SET session_replication_role = replica`);
      }
      const queue = [...plans].sort((a, b) => b.rows - a.rows);
      await Promise.all(
        [pg, ...extra].map(async (c) => {
          for (let plan = queue.shift(); plan; plan = queue.shift()) await copyTable(c, plan, template, copies);
        }),
      );
    }
  } finally {
    for (const c of extra) await c.end().catch(() => undefined);
    await pg.query(`DROP SCHEMA IF EXISTS ${WORK} CASCADE`).catch(() => undefined);
    await pg.query(`SET session_replication_role = DEFAULT`);
  }
  await pg.query('ANALYZE');
  return tableCounts(pg);
}

/**
 * The table's rows of template accounts in a work table, each with its template account (_tpl):
 * from the first column holding an account reference (DAY0000123), else one holding the debtor's
 * id (D123), else (journal lines) from the row's entry, else from the row's whole text. None for a
 * table without such rows (configuration: strategies, rules).
 */
async function templateRows(
  pg: Client,
  name: string,
  s: string,
  t: string,
  template: number,
  done: TemplateTable[],
): Promise<TemplateTable | undefined> {
  const { rows: cols } = (await pg.query(
    `SELECT column_name AS c, data_type AS type FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = $2 AND is_identity = 'NO' AND is_generated = 'NEVER'
        AND coalesce(column_default, '') NOT LIKE 'nextval%' ORDER BY ordinal_position`,
    [s, t],
  )) as { rows: Column[] };
  const text = cols.filter((c) => TEXT_TYPES.has(c.type));
  const holding = text.length
    ? (
        await pg.query(
          `SELECT ${text.map((c, k) => `bool_or(${q(c.c)} ~ 'DAY\\d{7}') AS r${k}, bool_or(${q(c.c)} ~ '^D\\d+$') AS d${k}`).join(', ')}
             FROM ${name}`,
        )
      ).rows[0]
    : {};
  const whole = `to_jsonb(x)::text`;
  const entry = name === 'ledger.journal_line' ? done.find((p) => p.name === 'ledger.journal_entry') : undefined;
  const from = [
    ...text.filter((_, k) => holding[`r${k}`]).map((c) => `substring(x.${q(c.c)} from 'DAY(\\d{7})')::int`),
    ...(entry ? [`(SELECT e._tpl FROM ${entry.tmp} e WHERE e.tenant_id = x.tenant_id AND e.id = x.entry_id)`] : []),
    ...text.filter((_, k) => holding[`d${k}`]).map((c) => `substring(x.${q(c.c)} from '^D(\\d+)$')::int`),
    `substring(${whole} from 'DAY(\\d{7})')::int`,
    `substring(${whole} from '"D(\\d+)"')::int`,
  ];
  const tmp = `${WORK}.t${done.length}_${t}`;
  const { rowCount } = await pg.query(
    `CREATE UNLOGGED TABLE ${tmp} AS
       SELECT x.*, k._tpl, 'DAY' || lpad(k._tpl::text, 7, '0') AS _ref, 'D' || k._tpl AS _d, 'Debtor ' || k._tpl AS _name
         FROM ${name} x CROSS JOIN LATERAL (SELECT coalesce(${from.join(', ')}) AS _tpl) k
        WHERE k._tpl <= $1`,
    [template],
  );
  if (!rowCount) return undefined;
  return { name, tmp, cols, rows: rowCount };
}

/** Every uuid of the template rows that the copy rewrites, in seed_work.uuid. */
async function knownUuids(pg: Client, plans: TemplateTable[]): Promise<void> {
  await pg.query(`CREATE UNLOGGED TABLE ${WORK}.uuid (u text PRIMARY KEY)`);
  for (const p of plans)
    for (const c of p.cols) {
      if (c.type === 'uuid' && !SHARED_UUIDS.has(c.c))
        await pg.query(
          `INSERT INTO ${WORK}.uuid SELECT DISTINCT ${q(c.c)}::text FROM ${p.tmp} WHERE ${q(c.c)} IS NOT NULL ON CONFLICT DO NOTHING`,
        );
      else if (TEXT_TYPES.has(c.type))
        await pg.query(
          `INSERT INTO ${WORK}.uuid SELECT DISTINCT ${q(c.c)} FROM ${p.tmp} WHERE ${q(c.c)} ~ '^${UUID}$' ON CONFLICT DO NOTHING`,
        );
    }
  // uuids inside text and JSON values: each one replaced (strings copied to many rows, done once here)
  await pg.query(`
    CREATE FUNCTION ${WORK}.remap(t text, us text[], i int) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
    DECLARE u text;
    BEGIN
      FOREACH u IN ARRAY us LOOP t := replace(t, u, md5(u || ':' || i)::uuid::text); END LOOP;
      RETURN t;
    END $$`);
}

/** One table's template rows inserted `copies - 1` times, each column rewritten as its values need. */
async function copyTable(pg: Client, p: TemplateTable, template: number, copies: number): Promise<void> {
  const text = p.cols.filter((c) => TEXT_TYPES.has(c.type));
  const json = p.cols.filter((c) => JSON_TYPES.has(c.type));
  const other = p.cols.filter((c) => !TEXT_TYPES.has(c.type) && !JSON_TYPES.has(c.type) && c.type !== 'uuid');
  // what each column holds, over the template rows: the row's own account ref, debtor id or name, uuids
  const flags = [
    ...text.map(
      (c) => `bool_or(position(_ref in ${q(c.c)}) > 0) AS "ref:${c.c}", bool_or(${q(c.c)} = _d) AS "d:${c.c}",
              bool_or(${q(c.c)} = _name) AS "name:${c.c}", bool_or(${q(c.c)} ~ '${UUID_START}') AS "whole:${c.c}",
              bool_or(${q(c.c)} !~ '${UUID_START}' AND ${q(c.c)} ~ '${UUID}') AS "inner:${c.c}"`,
    ),
    ...json.map(
      (c) => `bool_or(position(_ref in ${q(c.c)}::text) > 0) AS "ref:${c.c}",
              bool_or(position('"' || _d || '"' in ${q(c.c)}::text) > 0 OR position('"' || _name || '"' in ${q(c.c)}::text) > 0) AS "d:${c.c}",
              bool_or(${q(c.c)}::text ~ '${UUID}') AS "inner:${c.c}"`,
    ),
    ...other.map(
      (c) => `bool_or(position(_ref in to_jsonb(${q(c.c)})::text) > 0
                      OR position('"' || _d || '"' in to_jsonb(${q(c.c)})::text) > 0
                      OR position('"' || _name || '"' in to_jsonb(${q(c.c)})::text) > 0) AS "ref:${c.c}"`,
    ),
  ];
  const has: Record<string, boolean> = flags.length
    ? (await pg.query(`SELECT ${flags.join(', ')} FROM ${p.tmp}`)).rows[0]
    : {};
  // the known uuids inside each text or JSON value, found once per template row
  const inner: string[] = [];
  for (const c of [...text, ...json].filter((c) => has[`inner:${c.c}`])) {
    const col = `_inner${inner.length}`;
    await pg.query(`ALTER TABLE ${p.tmp} ADD COLUMN ${col} text[]`);
    await pg.query(
      `UPDATE ${p.tmp} x SET ${col} = nullif(ARRAY(
         SELECT DISTINCT m[1] FROM regexp_matches(x.${q(c.c)}::text, '${UUID}', 'g') m
          WHERE EXISTS (SELECT 1 FROM ${WORK}.uuid k WHERE k.u = m[1])), '{}')
        ${TEXT_TYPES.has(c.type) ? `WHERE x.${q(c.c)} !~ '${UUID_START}'` : ''}`,
    );
    const { rows } = await pg.query(`SELECT max(cardinality(${col}))::int AS n FROM ${p.tmp}`);
    if (rows[0].n) inner.push(c.c);
    else await pg.query(`ALTER TABLE ${p.tmp} DROP COLUMN ${col}`);
  }
  // which values are uuids as a whole, also once per template row
  const whole = text.filter((c) => has[`whole:${c.c}`]).map((c) => c.c);
  for (const [k, c] of whole.entries()) {
    await pg.query(`ALTER TABLE ${p.tmp} ADD COLUMN _whole${k} boolean`);
    await pg.query(`UPDATE ${p.tmp} SET _whole${k} = coalesce(${q(c)} ~ '${UUID_START}', false)`);
  }
  const innerCol = (c: string) => `_inner${inner.indexOf(c)}`;
  const withInner = (c: string, e: string) => {
    if (!inner.includes(c)) return e;
    const us = `x.${innerCol(c)}`;
    return `CASE WHEN ${us} IS NULL THEN ${e} WHEN cardinality(${us}) = 1 THEN replace(${e}, ${us}[1], md5(${us}[1] || ':' || x._i)::uuid::text) ELSE ${WORK}.remap(${e}, ${us}, x._i) END`;
  };
  // the account's ref anywhere in the text; its debtor's id and name as whole values (JSON strings)
  const refs = (e: string, c: string, quoted: boolean, all = false) => {
    let out = all || has[`ref:${c}`] ? `replace(${e}, x._ref, x._nref)` : e;
    if (quoted && (all || has[`d:${c}`]))
      out = `replace(replace(${out}, '"' || x._d || '"', '"' || x._nd || '"'), '"' || x._name || '"', '"' || x._nname || '"')`;
    return out;
  };
  const expr = (c: Column): string => {
    const col = `x.${q(c.c)}`;
    if (c.type === 'uuid') return SHARED_UUIDS.has(c.c) ? col : `md5(${col}::text || ':' || x._i)::uuid`;
    if (TEXT_TYPES.has(c.type)) {
      let e = withInner(c.c, refs(col, c.c, false));
      if (has[`d:${c.c}`] || has[`name:${c.c}`])
        e = `CASE WHEN ${col} = x._d THEN x._nd WHEN ${col} = x._name THEN x._nname ELSE ${e} END`;
      if (has[`whole:${c.c}`])
        e = `CASE WHEN x._whole${whole.indexOf(c.c)} THEN md5(${col} || ':' || x._i)::uuid::text ELSE ${e} END`;
      // a provider's id of a message (an e-mail's Message-ID, an SMS SID) is unique per channel: each copy its own
      if (MESSAGE_IDS.has(c.c)) e = `${e} || ':' || x._i`;
      return e;
    }
    if (JSON_TYPES.has(c.type)) {
      if (!has[`ref:${c.c}`] && !has[`d:${c.c}`] && !inner.includes(c.c)) return col;
      return `(${withInner(c.c, refs(`${col}::text`, c.c, true))})::${c.type}`;
    }
    if (!has[`ref:${c.c}`]) return col;
    // anything else holding them (arrays): rewritten as JSON and read back as its own type
    return `(jsonb_populate_record(NULL::${p.name}, jsonb_build_object('${c.c}', (${refs(`to_jsonb(${col})::text`, c.c, true, true)})::jsonb))).${q(c.c)}`;
  };
  const list = p.cols.map((c) => q(c.c)).join(', ');
  const select = p.cols.map(expr).join(',\n       ');
  // copy after copy, template rows in their order: each statement's account refs ascend
  const t0 = process.hrtime.bigint();
  const rebuild = await dropIndexes(pg, p.name);
  const step = Math.max(1, Math.floor(CHUNK_ROWS / p.rows));
  for (let from = 1; from < copies; from += step) {
    const to = Math.min(copies - 1, from + step - 1);
    await pg.query(
      `INSERT INTO ${p.name} (${list})
       SELECT ${select}
         FROM generate_series($1::int, $2::int) c(c)
        CROSS JOIN LATERAL (
          SELECT t.*, t._tpl + $3::int * c.c AS _i, 'DAY' || lpad((t._tpl + $3::int * c.c)::text, 7, '0') AS _nref,
                 'D' || (t._tpl + $3::int * c.c) AS _nd, 'Debtor ' || (t._tpl + $3::int * c.c) AS _nname
            FROM ${p.tmp} t OFFSET 0) x`,
      [from, to, template],
    );
  }
  const copied = seconds(t0);
  await pg.query(`SET maintenance_work_mem = '512MB'`);
  for (const sql of rebuild) await pg.query(sql);
  await pg.query(`RESET maintenance_work_mem`);
  progress(
    `  ${p.name}: ${p.rows} → ${p.rows * copies} rows (${copied.toFixed(1)} s, ${rebuild.length} indexes rebuilt in ${(seconds(t0) - copied).toFixed(1)} s)`,
  );
}

/**
 * Drops the table's indexes and unique constraints, except those a foreign key leans on, and
 * returns the statements that make them again as they were: built once from the copied rows they
 * take far less time than kept up row by row.
 */
async function dropIndexes(pg: Client, name: string): Promise<string[]> {
  const { rows } = (await pg.query(
    `SELECT i.indexrelid::regclass::text AS idx, pg_get_indexdef(i.indexrelid) AS def,
            c.conname, pg_get_constraintdef(c.oid) AS condef
       FROM pg_index i
       LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')
      WHERE i.indrelid = $1::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
      ORDER BY c.conname NULLS LAST, 1`,
    [name],
  )) as { rows: { idx: string; def: string; conname: string | null; condef: string | null }[] };
  const again: string[] = [];
  for (const r of rows) {
    if (r.conname) {
      await pg.query(`ALTER TABLE ${name} DROP CONSTRAINT ${q(r.conname)}`);
      again.push(`ALTER TABLE ${name} ADD CONSTRAINT ${q(r.conname)} ${r.condef}`);
    } else {
      await pg.query(`DROP INDEX ${r.idx}`);
      again.push(r.def);
    }
  }
  return again;
}

/** Publishes `document` as the tenant's strategy through the orchestrator's API. */
export async function putStrategy(p: DayPlatform, strategyId: string, document: object): Promise<void> {
  const client = grpcClient(orchestrator.OrchestratorServiceService, p.grpcOf('orchestrator'), { deadlineMs: 60_000 });
  try {
    await client.putStrategy({ strategyId, document: JSON.stringify(document), format: 0 }, p.auth);
  } finally {
    client.close();
  }
}

/**
 * The debtors' contact points and consents, through the ledger's API (the portfolio file carries
 * none): a phone for SMS, WhatsApp and calls, an e-mail, a postal address; the orchestrator learns
 * them from DebtorUpserted, as it would from a CRM feed.
 */
export async function upsertDebtors(p: DayPlatform, accounts: number): Promise<void> {
  const client = grpcClient(ledger.LedgerServiceService, p.grpcOf('ledger'), { deadlineMs: 60_000 });
  try {
    for (let i = 1; i <= accounts; i++)
      await client.upsertDebtor(
        {
          debtor: {
            debtorId: `D${i}`,
            kind: 'person',
            displayName: `Debtor ${i}`,
            nationalId: '',
            timeZone: 'America/New_York',
            language: 'en',
            country: 'US',
            region: 'NY',
            contactPoints: [
              {
                type: 'phone',
                value: `+1212555${String(i % 10_000).padStart(4, '0')}`,
                verified: true,
                consentedChannels: ['sms', 'whatsapp', 'call'],
              },
              { type: 'email', value: `${ref(i)}@example.test`, verified: true, consentedChannels: ['email'] },
              { type: 'address', value: `${i} Main St, New York, NY`, verified: true, consentedChannels: ['letter'] },
            ],
          },
        },
        p.auth,
      );
  } finally {
    client.close();
  }
}

/**
 * One simulated day for `accounts` accounts (rounded to whole hundreds), measured: a fresh
 * platform of the five services on a simulated clock, 100 template accounts through the public
 * paths (strategy, portfolio import, debtors' contact points) until every service has consumed
 * them, every service's rows copied to `accounts` accounts (replicate), then the clock moved one
 * day (moveDay). Prints the JSON line.
 */
export async function measureDay(infra: { databaseUrl: string; kafkaBrokers: string[] }, accounts: number) {
  const template = 100;
  const copies = Math.max(1, Math.round(accounts / template));
  const n = template * copies;
  const today = new Date().toISOString().slice(0, 10);
  const start = `${today}T${process.env.BENCH_DAY_AT ?? '15:00'}:00Z`;
  progress(`a day for ${n} accounts: the five services on a simulated clock at ${start}`);
  const p = await startDayPlatform(infra, start);
  try {
    const t0 = process.hrtime.bigint();
    await putStrategy(p, 'bench', STRATEGY);
    await importLedger(p.db.url, template, today);
    await upsertDebtors(p, template);
    await settled(p);
    // The template's first day on the platform (accounts enter the strategy, the contacts due
    // since their due dates go out): the day measured is a day like the ones after it.
    const day1 = new Date(Date.parse(start) + 86_400_000).toISOString();
    progress(`  the template's first day (${day1})`);
    await moveDay(p, day1);
    const templateSeconds = seconds(t0);
    progress(
      `  ${template} template accounts through the platform in ${templateSeconds.toFixed(1)} s; copying to ${n}`,
    );
    const t1 = process.hrtime.bigint();
    const before = await replicate(p.pg, template, copies);
    const copySeconds = seconds(t1);
    progress(`  copied in ${copySeconds.toFixed(1)} s; moving the clock one day`);
    const loadBefore = loadavg();
    const emailsBefore = p.emailsAccepted();
    const d0 = process.hrtime.bigint();
    const jobs = await moveDay(p, new Date(Date.parse(start) + 2 * 86_400_000).toISOString());
    const daySeconds = seconds(d0);
    const loadAfter = loadavg();
    // The database against its buffer cache: past it, the day's reads go through the OS cache.
    const { rows: pgFacts } = await p.pg.query(
      `SELECT current_setting('shared_buffers') AS shared_buffers, pg_size_pretty(pg_database_size(current_database())) AS size`,
    );
    const after = await tableCounts(p.pg);
    const rowsWritten = Object.fromEntries(
      Object.keys(after)
        .filter((t) => !t.endsWith('.inbox') && after[t] !== (before[t] ?? 0))
        .map((t) => [t, after[t] - (before[t] ?? 0)]),
    );
    // Raw: the same accounts' days past due recomputed by one UPDATE in the same PostgreSQL.
    await p.pg.query(`CREATE TABLE public.raw_day (account_id text PRIMARY KEY, due_date date, dpd int)`);
    await p.pg.query(`INSERT INTO public.raw_day SELECT 'a' || g, current_date - 1, 0 FROM generate_series(1, $1) g`, [
      n,
    ]);
    const r0 = process.hrtime.bigint();
    await p.pg.query(`UPDATE public.raw_day SET dpd = current_date + 30 - due_date`);
    const rawSeconds = seconds(r0);
    report({
      bench: 'e2e',
      metric: 'day_change_seconds',
      value: Number(daySeconds.toFixed(2)),
      unit: `s for ${n} accounts`,
      baseline: 'one raw UPDATE of days past due for the same number of rows',
      baselineValue: Number(rawSeconds.toFixed(3)),
      accounts: n,
      services: [...DAY_SERVICES],
      jobs,
      perService: perService(jobs),
      rowsWritten,
      emailsAccepted: p.emailsAccepted() - emailsBefore,
      seeding: `${template} template accounts through the platform (${templateSeconds.toFixed(0)} s), every service's rows copied ×${copies} (${copySeconds.toFixed(0)} s)`,
      loadavg: { before: loadBefore, after: loadAfter },
      postgres: { sharedBuffers: pgFacts[0].shared_buffers, databaseSize: pgFacts[0].size },
    });
  } finally {
    await p.stop();
  }
}

const loadavg = () =>
  osLoadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function perService(jobs: JobTiming[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const j of jobs) out[j.service] = Number(((out[j.service] ?? 0) + j.runSeconds).toFixed(2));
  return out;
}
