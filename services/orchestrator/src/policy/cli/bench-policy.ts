#!/usr/bin/env node
import { Channel, ContactCase, RulePack, TimeZoneClock, evaluate } from '../domain';
import { RULE_PACKS } from '../packs';
import { SyntheticDebtor, ZONES_BY_JURISDICTION, seededRandom, syntheticDebtor } from './synthetic-debtors';
import { planNextContact } from '../../planning/domain/contact-plan';
import { StrategyDocument, StrategyProgress, addDays, nextAction } from '../../strategies/domain';

/**
 * node services/orchestrator/dist/policy/cli/bench-policy.js [--seconds 3] [--accounts 1000000] [--no-planning]
 *
 * Prints JSON lines (bench/src/report.ts shape) on stdout, progress on stderr:
 * - policy_decisions_per_s: full evaluate() on typical synthetic debtors, beside the raw work of a
 *   bare hours-window check with precomputed offsets over the same cases;
 * - daily_planning_run_s: a day's plan for N synthetic accounts (strategy + policy check, with a
 *   fallback channel or a later slot when refused), beside the same run without the policy check;
 * - planner_daily_run_s: the same N accounts through the planner the service runs
 *   (planNextContact: strategy document, arm, preferred window in the debtor's zone, policy, next
 *   permitted time, fallback) with each schedule row built for a bulk write, beside the strategy
 *   evaluator alone (nextAction) on the same accounts. Writing the rows to PostgreSQL is not in it.
 */
const POOL_SIZE = 20_000;
const MS_PER_DAY = 86_400_000;
/** Wednesday 2025-03-12: the planning day. */
const PLAN_DAY = Date.UTC(2025, 2, 12) / MS_PER_DAY;

interface Options {
  seconds: number;
  accounts: number;
  planning: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (flag: string, fallback: number) => {
    const i = argv.indexOf(flag);
    const n = i >= 0 ? Number(argv[i + 1]) : fallback;
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    seconds: value('--seconds', 3),
    accounts: value('--accounts', 1_000_000),
    planning: !argv.includes('--no-planning'),
  };
}

function report(line: {
  metric: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  ratio: number;
  [extra: string]: unknown;
}): void {
  process.stdout.write(`${JSON.stringify({ bench: 'planning', ...line, ratio: Number(line.ratio.toFixed(4)) })}\n`);
}

function progress(message: string): void {
  process.stderr.write(`[bench-policy] ${message}\n`);
}

function packFor(debtor: SyntheticDebtor): RulePack {
  return RULE_PACKS[debtor.jurisdiction];
}

/** Runs `step` over the pool for `seconds`, returning steps per second. */
function rate(seconds: number, step: (i: number) => number): number {
  let sink = 0;
  let done = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let k = 0; k < 1000; k++) sink += step(done++ % POOL_SIZE);
    elapsed = process.hrtime.bigint() - start;
  }
  if (sink < 0) progress('unreachable'); // keeps the work observable so it is not optimised away
  return done / (Number(elapsed) / 1e9);
}

function decisionsPerSecond(options: Options): void {
  const random = seededRandom(20250312);
  const weekStart = Date.UTC(2025, 2, 10);
  const pool: SyntheticDebtor[] = [];
  for (let i = 0; i < POOL_SIZE; i++)
    pool.push(syntheticDebtor(random, weekStart + Math.floor(random() * 7 * MS_PER_DAY), i));

  // Raw work: the hours window of the channel's first hours rule, with each case's offset known in advance.
  const offsets = pool.map((d) => TimeZoneClock.for(d.contactCase.timezone).offsetAt(d.contactCase.at.getTime()));
  const windows = pool.map((d) => {
    const rule = packFor(d).contactHours.find((r) => r.channels.includes(d.contactCase.channel));
    const range = rule?.weekly.wed[0];
    const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    return range ? [minutes(range.from), minutes(range.to)] : [0, 1440];
  });
  const times = pool.map((d) => d.contactCase.at.getTime());
  const bareCheck = (i: number) => {
    const wall = times[i] + offsets[i];
    const minute = Math.floor((wall - Math.floor(wall / MS_PER_DAY) * MS_PER_DAY) / 60_000);
    return minute >= windows[i][0] && minute < windows[i][1] ? 1 : 0;
  };
  const fullCheck = (i: number) => (evaluate(pool[i].contactCase, packFor(pool[i])).allowed ? 1 : 0);

  progress(`warming up on ${POOL_SIZE} synthetic debtors`);
  let allowed = 0;
  for (let i = 0; i < POOL_SIZE; i++) allowed += fullCheck(i);
  rate(Math.min(1, options.seconds / 3), fullCheck);
  rate(Math.min(1, options.seconds / 3), bareCheck);

  progress(`measuring evaluate() for ${options.seconds}s, then the bare check`);
  const full = rate(options.seconds, fullCheck);
  const bare = rate(options.seconds, bareCheck);
  report({
    metric: 'policy_decisions_per_s',
    value: Math.round(full),
    unit: 'decisions/s',
    baseline: 'bare hours-window check with precomputed offsets, same cases',
    baselineValue: Math.round(bare),
    ratio: full / bare,
    target: 100_000,
    cases: POOL_SIZE,
    allowedShare: Number((allowed / POOL_SIZE).toFixed(3)),
    seconds: options.seconds,
  });
}

/** Preferred channels by days past due: softer media early, a call later, a letter as the fallback. */
function preferredChannels(daysPastDue: number): readonly Channel[] {
  if (daysPastDue <= 15) return ['sms', 'email', 'whatsapp'];
  if (daysPastDue <= 60) return ['whatsapp', 'call', 'sms'];
  if (daysPastDue <= 120) return ['call', 'whatsapp', 'letter'];
  return ['call', 'visit', 'letter'];
}

interface PlanTally {
  planned: number;
  deferred: number;
  blocked: number;
  decisions: number;
}

/** 07:30 on the plan day in every zone: early enough that some jurisdictions defer the first slot. */
function planInstants(): Map<string, Date> {
  const instants = new Map<string, Date>();
  for (const zones of Object.values(ZONES_BY_JURISDICTION))
    for (const zone of zones)
      instants.set(zone, new Date(TimeZoneClock.for(zone).instantOf(PLAN_DAY * MS_PER_DAY + 7.5 * 3_600_000)));
  return instants;
}

function planDay(accounts: number, withPolicy: boolean): PlanTally {
  const random = seededRandom(7);
  const startOfRun = Date.UTC(2025, 2, 12, 12);
  const at = planInstants();
  const tally: PlanTally = { planned: 0, deferred: 0, blocked: 0, decisions: 0 };
  for (let i = 0; i < accounts; i++) {
    const debtor = syntheticDebtor(random, startOfRun, i);
    const when = at.get(debtor.contactCase.timezone) ?? debtor.contactCase.at;
    const endOfDay = when.getTime() + 14 * 3_600_000;
    let outcome: 'planned' | 'deferred' | 'blocked' = 'blocked';
    for (const channel of preferredChannels(debtor.daysPastDue)) {
      if (!withPolicy) {
        outcome = 'planned';
        break;
      }
      const contactCase: ContactCase = { ...debtor.contactCase, channel, at: when };
      const decision = evaluate(contactCase, packFor(debtor));
      tally.decisions++;
      if (decision.allowed) {
        outcome = 'planned';
        break;
      }
      if (decision.nextPermittedAt && decision.nextPermittedAt.getTime() < endOfDay) {
        outcome = 'deferred';
        break;
      }
    }
    tally[outcome]++;
    if (i > 0 && i % 250_000 === 0) progress(`${withPolicy ? 'with' : 'without'} policy: ${i} accounts`);
  }
  return tally;
}

function planningRun(options: Options): void {
  // Both loops warm first, so neither figure carries the JIT's first compilation.
  const warmUp = Math.min(options.accounts, 50_000);
  planDay(warmUp, false);
  planDay(warmUp, true);
  progress(`daily planning run over ${options.accounts} synthetic accounts, strategy only`);
  let start = process.hrtime.bigint();
  planDay(options.accounts, false);
  const baselineSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  progress(`daily planning run over ${options.accounts} synthetic accounts, strategy + policy check`);
  start = process.hrtime.bigint();
  const tally = planDay(options.accounts, true);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  report({
    metric: 'daily_planning_run_s',
    value: Number(seconds.toFixed(2)),
    unit: 's',
    baseline: 'same run, strategy only (no policy check)',
    baselineValue: Number(baselineSeconds.toFixed(2)),
    ratio: seconds / baselineSeconds,
    target: 120,
    accounts: options.accounts,
    accountsPerSecond: Math.round(options.accounts / seconds),
    ...tally,
  });
}

/** A typical cadence: pre-due e-mail, due-day SMS, post-due WhatsApp and calls with fallbacks. */
const BENCH_STRATEGY: StrategyDocument = {
  name: 'bench cadence',
  priority: 1,
  entry: {},
  arms: [
    {
      id: 'champion',
      weight: 100,
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
  ],
  stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
};

interface ScheduleBuffer {
  accountIds: string[];
  stepIds: string[];
  channels: string[];
  dueAt: number[];
  decisions: number;
}

function plannerDay(
  accounts: number,
  withPlanner: boolean,
): { rows: ScheduleBuffer; outcomes: Record<string, number> } {
  const random = seededRandom(11);
  const now = new Date(Date.UTC(2025, 2, 12, 12));
  const today = '2025-03-12';
  const rows: ScheduleBuffer = { accountIds: [], stepIds: [], channels: [], dueAt: [], decisions: 0 };
  const tally: Record<string, number> = {};
  const progress0: StrategyProgress = {
    enteredOn: today,
    armId: 'champion',
    stepsDone: [],
    stepsFailed: [],
    escalated: false,
    referredToLegal: false,
  };
  const status = { paidInFull: false, promiseActive: false, disputed: false, optedOut: false, holds: [] };
  for (let i = 0; i < accounts; i++) {
    const debtor = syntheticDebtor(random, now.getTime(), i);
    // Due dates from 10 days ahead to 40 days behind: pre-due reminders through the post-due cadence.
    const dueDate = addDays(today, 10 - Math.floor(random() * 50));
    const account = {
      tenantId: 'bench',
      accountId: debtor.contactCase.debtId,
      segment: 'negotiate',
      product: 'credit_card',
      jurisdiction: debtor.jurisdiction,
      balanceMinor: 100_000,
      currency: 'USD',
      dueDate,
    };
    let kind: string;
    if (withPlanner) {
      const plan = planNextContact({
        doc: BENCH_STRATEGY,
        account,
        status: { ...status, holds: debtor.contactCase.holds },
        progress: progress0,
        today,
        now,
        facts: {
          debtorId: `debtor-${i}`,
          timeZone: debtor.contactCase.timezone,
          jurisdiction: debtor.jurisdiction,
          region: '',
          consent: debtor.contactCase.consent,
          optedOut: debtor.contactCase.optedOut,
          holds: debtor.contactCase.holds,
          // Every tenant of the bench names its creditor (BR and MX refuse every contact otherwise).
          creditor: { taxIdKind: debtor.jurisdiction === 'MX' ? 'RFC' : 'CNPJ', postalAddress: true, phone: true },
        },
        history: debtor.contactCase.history,
      });
      rows.decisions += plan.decisions.length;
      kind = plan.outcome.kind;
      if (plan.outcome.kind === 'schedule') {
        rows.accountIds.push(account.accountId);
        rows.stepIds.push(plan.outcome.step.id);
        rows.channels.push(plan.outcome.channel);
        rows.dueAt.push(plan.outcome.dueAt.getTime());
      }
    } else {
      const action = nextAction(BENCH_STRATEGY, account, status, progress0, today);
      kind = action.kind;
      if (action.kind === 'step') {
        rows.accountIds.push(account.accountId);
        rows.stepIds.push(action.step.id);
        rows.channels.push(action.channel);
        rows.dueAt.push(now.getTime());
      }
    }
    tally[kind] = (tally[kind] ?? 0) + 1;
    if (i > 0 && i % 250_000 === 0) progress(`${withPlanner ? 'planner' : 'evaluator only'}: ${i} accounts`);
  }
  return { rows, outcomes: tally };
}

function plannerRun(options: Options): void {
  const warmUp = Math.min(options.accounts, 50_000);
  plannerDay(warmUp, false);
  plannerDay(warmUp, true);
  progress(`planner over ${options.accounts} synthetic accounts, strategy evaluator only`);
  let start = process.hrtime.bigint();
  plannerDay(options.accounts, false);
  const baselineSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  progress(`planner over ${options.accounts} synthetic accounts, decide + policy + schedule rows`);
  start = process.hrtime.bigint();
  const { rows, outcomes } = plannerDay(options.accounts, true);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  report({
    metric: 'planner_daily_run_s',
    value: Number(seconds.toFixed(2)),
    unit: 's',
    baseline: 'strategy evaluator only (nextAction), same accounts',
    baselineValue: Number(baselineSeconds.toFixed(2)),
    ratio: seconds / baselineSeconds,
    target: 120,
    accounts: options.accounts,
    accountsPerSecond: Math.round(options.accounts / seconds),
    scheduleRows: rows.accountIds.length,
    policyDecisions: rows.decisions,
    outcomes,
    persisted: false,
  });
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  decisionsPerSecond(options);
  if (options.planning) {
    planningRun(options);
    plannerRun(options);
  }
}

if (require.main === module) main();
