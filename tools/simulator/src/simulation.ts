import { ledger, reconciliation, reporting } from '@collections/contracts';
import {
  AI_ARM,
  ArmComparison,
  ArmFigures,
  COMPARE_ARMS_STRATEGY_ID,
  CONTACT_COST_USD_CENTS,
  DPD_ARM,
  compareArms,
  compareArmsStrategy,
} from './arms';
import { ContactSource, inReactionOrder } from './contacts/contact-source';
import { Action, DebtorBehaviour } from './model/behaviour';
import { decimalOf } from './model/jurisdictions';
import { SimDebtor, generatePortfolio } from './model/portfolio';
import { PlatformClient } from './platform/platform-client';
import { ProgressBar } from './progress';
import { Random } from './random';

export interface SimulationOptions {
  accounts: number;
  /** Business days to simulate. */
  days: number;
  seed: string;
  contactSources?: ContactSource[];
  progress?: ProgressBar;
  /**
   * Called after each business day, once the clock has moved on and the platform has caught up
   * (`npm start`'s demo paces the run with it and prints a line a day).
   */
  afterDay?: (day: { date: string; businessDay: number; contactsObserved: Record<string, number> }) => Promise<void>;
  /**
   * Instead of the default strategy, an experiment (`arms.ts`): the scoring-driven arm against a
   * days-past-due-only arm, each with this many contacts a day; the result then has `arms`.
   */
  compareArms?: { contactsPerDayPerArm: number };
}

export interface KpiTable {
  currency: string;
  accounts: number;
  kpis: { name: string; value: number | null; inputs: string }[];
  rollRates: { fromBucket: string; toBucket: string; rate: number | null }[];
}

export interface SimulationResult {
  seed: string;
  accounts: number;
  businessDays: number;
  fromDate: string;
  toDate: string;
  /** What the debtors did, as the simulator carried it out. */
  activity: {
    paymentsViaGateway: number;
    paymentsViaBankFile: number;
    bankFilesImported: number;
    bankItemsMatched: number;
    promisesMade: number;
    disputes: number;
    optOuts: number;
    contactsObserved: Record<string, number>;
  };
  /**
   * Share of accounts whose first statement's minimum was still unpaid the day after its due
   * date, as the ledger answers it (days past due as of that date). The UCI data's: 22%.
   */
  firstDueMissedRate: number | null;
  kpis: KpiTable[];
  /** With `compareArms`: the two arms side by side. */
  arms?: ArmComparison;
}

/**
 * Where a fresh platform's clock starts: a Monday at 18:00 UTC. The clock moves a whole day at a
 * time, so every simulated day is seen at this hour, the afternoon in every supported zone (US
 * Pacific 10:00 to Brazil 15:00), inside every jurisdiction's contact hours: the dispatcher,
 * which runs when the clock moves, finds the day's contacts due and permitted.
 */
export const SIMULATION_START = '2026-01-05T18:00:00.000Z';

/** The id of the strategy the simulator puts for its tenant. */
export const SIMULATION_STRATEGY_ID = 'simulator-default';

/**
 * A plain early-stage cadence for every account of the tenant: an e-mail reminder three days
 * before the due date, an SMS on the due date, WhatsApp three days after it, and a human agent
 * queue at ten days past due; a payment, promise, dispute, opt-out or hold stops it.
 */
export const SIMULATION_STRATEGY = {
  name: 'Simulator default: remind, then chase, then a person',
  priority: 100,
  entry: { daysPastDue: { min: -5 } },
  arms: [
    {
      id: 'default',
      weight: 100,
      steps: [
        { id: 'd-3-email', channel: 'email', template: 'reminder', offset: { from: 'due_date', days: -3 } },
        {
          id: 'd0-sms',
          channel: 'sms',
          template: 'reminder',
          offset: { from: 'due_date', days: 0 },
          fallbackChannel: 'email',
        },
        {
          id: 'd+3-whatsapp',
          channel: 'whatsapp',
          template: 'overdue',
          offset: { from: 'due_date', days: 3 },
          fallbackChannel: 'sms',
        },
      ],
    },
  ],
  stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
  escalation: { atDaysPastDue: 10, queue: 'early-agents' },
};

/** The simulated lender as it identifies itself in Brazil and Mexico (creditor profiles, REST form). */
const SIMULATION_CREDITORS: Record<string, object> = {
  BR: {
    creditor: { legalName: 'Banco Simulado S.A.', taxIdKind: 'TAX_ID_KIND_CNPJ', taxId: '11222333000181' },
    postalAddress: 'Av. Paulista 1000, São Paulo - SP, 01310-100',
    phone: '+55 11 4000-0000',
  },
  MX: {
    creditor: { legalName: 'Financiera Simulada S.A. de C.V.', taxIdKind: 'TAX_ID_KIND_RFC', taxId: 'FSI010203AB1' },
    postalAddress: 'Paseo de la Reforma 500, Ciudad de México, 06600',
    phone: '+52 55 4000 0000',
  },
};
const DAY_MS = 86_400_000;
const dateOf = (instant: Date) => instant.toISOString().slice(0, 10);
const isWeekend = (instant: Date) => instant.getUTCDay() === 0 || instant.getUTCDay() === 6;
const CYCLE_DAYS = 30;

/**
 * D business days of a portfolio on the platform's simulated clock: debtors and accounts go in
 * through the ledger's API (after the tenant's contact strategy, `SIMULATION_STRATEGY`),
 * statements every 30 days, payments through the payments batch API
 * or a daily bank statement file (reconciliation import), promises through the promises API;
 * after each day the clock moves to the next day (which runs the daily jobs) and the simulator
 * waits until every event has been consumed. Then the KPIs, per currency, from reporting.
 */
export async function runSimulation(platform: PlatformClient, options: SimulationOptions): Promise<SimulationResult> {
  const auth = () => platform.auth;
  const debtors = generatePortfolio(options.seed, options.accounts);
  const behaviourRoot = new Random(`behaviour:${options.seed}`);
  const behaviours = debtors.map((d) => new DebtorBehaviour(d, behaviourRoot.fork(d.debtorId)));
  const byDebtorId = new Map(behaviours.map((b) => [b.debtor.debtorId, b]));
  const activity: SimulationResult['activity'] = {
    paymentsViaGateway: 0,
    paymentsViaBankFile: 0,
    bankFilesImported: 0,
    bankItemsMatched: 0,
    promisesMade: 0,
    disputes: 0,
    optOuts: 0,
    contactsObserved: {},
  };
  const { now } = await platform.simulation.getClock({}, auth());
  if (!now) throw new Error('the platform did not say what time it is');
  const start = now;
  const instantOfDay = (day: number) => new Date(start.getTime() + day * DAY_MS);
  const progress = options.progress;

  progress?.update(0, `${dateOf(start)}: opening ${debtors.length} accounts`);
  // The tenant's contact strategy first, through the orchestrator's public API, so every account
  // is planned from the moment its statement arrives.
  const strategyId = options.compareArms ? COMPARE_ARMS_STRATEGY_ID : SIMULATION_STRATEGY_ID;
  await platform.rest(
    'PUT',
    `/v1/orchestrator/strategies/${strategyId}`,
    JSON.stringify(
      options.compareArms
        ? compareArmsStrategy(SIMULATION_STRATEGY, options.compareArms.contactsPerDayPerArm)
        : SIMULATION_STRATEGY,
    ),
  );
  // The creditor every message names where the law says so (Brazil: name and CNPJ; Mexico: the
  // firm and its RFC); without it the contact law refuses every contact there.
  for (const [country, profile] of Object.entries(SIMULATION_CREDITORS))
    await platform.rest('PUT', `/v1/orchestrator/creditor-profiles/${country}`, JSON.stringify(profile));
  // Per debtor, for the arms' figures: contacts seen by channel, and what was paid in answer to one.
  const contactsOf = new Map<string, Record<string, number>>();
  const paidAfterContact = new Map<string, number>();
  // One kind of call at a time, then the platform catches up: a service that reads several
  // topics sees them in the same order on every run (across topics, order is only by time).
  await inParallel(debtors, (d) => upsertDebtor(platform, d));
  await platform.drained();
  await inParallel(debtors, (d) => openAccount(platform, d, dateOf(start)));
  await platform.drained();
  await newCycle(platform, behaviours, 0, start, (b) => b.debtor.firstBillMinor);

  let businessDays = 0;
  let day = 0;
  while (businessDays < options.days) {
    const today = instantOfDay(day);
    if (!isWeekend(today)) {
      businessDays += 1;
      progress?.update(businessDays - 1, `${dateOf(today)}: debtors act`);
      const actions: { b: DebtorBehaviour; action: Action }[] = [];
      for (const b of behaviours) for (const action of b.businessDay(day)) actions.push({ b, action });
      for (const source of options.contactSources ?? []) {
        for (const contact of inReactionOrder(await source.collect())) {
          activity.contactsObserved[contact.channel] = (activity.contactsObserved[contact.channel] ?? 0) + 1;
          const b = byDebtorId.get(contact.debtorId);
          if (!b) continue;
          const seen = contactsOf.get(contact.debtorId) ?? {};
          seen[contact.channel] = (seen[contact.channel] ?? 0) + 1;
          contactsOf.set(contact.debtorId, seen);
          for (const action of b.contacted(day, contact)) {
            actions.push({ b, action });
            if (action.kind === 'pay')
              paidAfterContact.set(
                contact.debtorId,
                (paidAfterContact.get(contact.debtorId) ?? 0) + action.amountMinor,
              );
          }
        }
      }
      await carryOut(platform, actions, day, today, instantOfDay, activity);
      if (day > 0 && day % CYCLE_DAYS === 0)
        await newCycle(platform, behaviours, day, today, (b) => Math.round(b.debtor.firstBillMinor * 0.6));
      progress?.update(businessDays - 1, `${dateOf(today)}: platform catches up`);
      await platform.drained();
    }
    day += 1;
    await platform.simulation.advanceClock({ to: instantOfDay(day) }, auth());
    await platform.drained();
    if (!isWeekend(instantOfDay(day - 1)))
      await options.afterDay?.({
        date: dateOf(instantOfDay(day - 1)),
        businessDay: businessDays,
        contactsObserved: { ...activity.contactsObserved },
      });
  }
  progress?.update(businessDays, 'KPIs');
  const lastDay = instantOfDay(day - 1);

  const firstDueMissedRate = await firstDueMissed(platform, behaviours, start, lastDay);
  const currencies = [...new Set(debtors.map((d) => d.jurisdiction.currency))].sort();
  const kpis: KpiTable[] = [];
  for (const currency of currencies) {
    const r = await platform.reporting.getKpis(
      { fromDate: dateOf(start), toDate: dateOf(lastDay), currency, segment: '', modelVersion: '', channel: '' },
      auth(),
    );
    kpis.push(mapKpis(r));
  }
  const arms = options.compareArms
    ? await armFigures(platform, behaviours, contactsOf, paidAfterContact, options.compareArms.contactsPerDayPerArm)
    : undefined;
  progress?.done();
  return {
    seed: options.seed,
    accounts: options.accounts,
    businessDays,
    fromDate: dateOf(start),
    toDate: dateOf(lastDay),
    activity,
    firstDueMissedRate,
    kpis,
    ...(arms ? { arms } : {}),
  };
}

/**
 * The experiment's arms: which account is in which arm and the contacts sent under each, from the
 * orchestrator (`GET /v1/orchestrator/strategies/:id/arms`); what the arm's debtors paid, from the
 * simulator's own record of the payments it made through the ledger, in US dollars at its rates.
 */
async function armFigures(
  platform: PlatformClient,
  behaviours: DebtorBehaviour[],
  contactsOf: Map<string, Record<string, number>>,
  paidAfterContact: Map<string, number>,
  contactsPerDayPerArm: number,
): Promise<ArmComparison> {
  const split = await platform.rest<{
    arms: { armId: string; accounts?: string | number; contactsSent?: string | number }[];
    assignments: { accountId: string; armId: string }[];
  }>('GET', `/v1/orchestrator/strategies/${COMPARE_ARMS_STRATEGY_ID}/arms`);
  const armOf = new Map(split.assignments.map((a) => [a.accountId, a.armId]));
  const usd = (b: DebtorBehaviour, minor: number) =>
    minor / 10 ** b.debtor.jurisdiction.exponent / b.debtor.jurisdiction.perUsd;
  const figures = (armId: string): ArmFigures => {
    const stats = split.arms.find((a) => a.armId === armId);
    const contacts = Number(stats?.contactsSent ?? 0);
    const observed: Record<string, number> = {};
    let recovered = 0;
    let afterContact = 0;
    for (const b of behaviours) {
      if (armOf.get(b.debtor.accountId) !== armId) continue;
      recovered += usd(b, b.paidMinor);
      afterContact += usd(b, paidAfterContact.get(b.debtor.debtorId) ?? 0);
      for (const [channel, n] of Object.entries(contactsOf.get(b.debtor.debtorId) ?? {}))
        observed[channel] = (observed[channel] ?? 0) + n;
    }
    const cost = Object.entries(observed).reduce((sum, [c, n]) => sum + n * (CONTACT_COST_USD_CENTS[c] ?? 0), 0) / 100;
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      arm: armId,
      accounts: Number(stats?.accounts ?? 0),
      contacts,
      contactsObserved: Object.fromEntries(Object.entries(observed).sort(([a], [b]) => a.localeCompare(b))),
      recoveredUsd: round(recovered),
      recoveredAfterContactUsd: round(afterContact),
      costUsd: round(cost),
      recoveredPerContactUsd: contacts === 0 ? null : round(recovered / contacts),
      recoveredAfterContactPerContactUsd: contacts === 0 ? null : round(afterContact / contacts),
    };
  };
  return compareArms(COMPARE_ARMS_STRATEGY_ID, contactsPerDayPerArm, { ai: figures(AI_ARM), dpd: figures(DPD_ARM) });
}

function mapKpis(r: reporting.GetKpisResponse): KpiTable {
  return {
    currency: r.currency,
    accounts: r.accounts,
    kpis: r.kpis.map((k) => ({ name: k.name, value: k.value ?? null, inputs: k.inputs })),
    rollRates: r.rollRates.map((rr) => ({ fromBucket: rr.fromBucket, toBucket: rr.toBucket, rate: rr.rate ?? null })),
  };
}

/**
 * Runs `fn` for every item, a few at a time. Only for calls whose order cannot change an
 * outcome (each touches its own account, and the clock stands still meanwhile).
 */
async function inParallel<T>(items: T[], fn: (item: T) => Promise<void>, concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

async function upsertDebtor(platform: PlatformClient, d: SimDebtor): Promise<void> {
  await platform.ledger.upsertDebtor(
    {
      debtor: {
        debtorId: d.debtorId,
        kind: 'person',
        displayName: d.displayName,
        nationalId: '',
        contactPoints: [
          { type: 'email', value: d.email, verified: true, consentedChannels: ['email'] },
          { type: 'phone', value: d.phone, verified: true, consentedChannels: ['sms', 'whatsapp', 'call'] },
        ],
        timeZone: d.timeZone,
        language: d.jurisdiction.language,
        country: d.jurisdiction.country,
        region: '',
      },
    },
    platform.auth,
  );
}

async function openAccount(platform: PlatformClient, d: SimDebtor, openedOn: string): Promise<void> {
  await platform.ledger.openAccount(
    {
      accountId: d.accountId,
      externalRef: d.externalRef,
      product: ledger.Product.PRODUCT_CREDIT_CARD,
      currency: d.jurisdiction.currency,
      creditLimitMinor: d.creditLimitMinor,
      openedOn,
      debtors: [{ debtorId: d.debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      timeZone: d.timeZone,
    },
    platform.auth,
  );
}

/** A statement cycle for every account: the charges, then (once they are known) the statements. */
async function newCycle(
  platform: PlatformClient,
  behaviours: DebtorBehaviour[],
  day: number,
  today: Date,
  amountOf: (b: DebtorBehaviour) => number,
): Promise<void> {
  const cycles = behaviours.map((b) => ({ b, amountMinor: amountOf(b), cycle: b.statement(day, amountOf(b)) }));
  await inParallel(cycles, ({ b, amountMinor }) =>
    platform.ledger
      .postCharge(
        {
          accountId: b.debtor.accountId,
          kind: ledger.EntryKind.ENTRY_KIND_CHARGE,
          amount: { amountMinor, currency: b.debtor.jurisdiction.currency },
          idempotencyKey: `sim:${b.debtor.accountId}:charge:${b.cycles.length}`,
          effectiveDate: '',
          memo: `statement ${b.cycles.length}`,
        },
        platform.auth,
      )
      .then(() => undefined),
  );
  await platform.drained();
  await inParallel(cycles, ({ b, amountMinor, cycle }) => {
    const currency = b.debtor.jurisdiction.currency;
    return platform.ledger
      .issueStatement(
        {
          accountId: b.debtor.accountId,
          cycle: b.cycles.length,
          statementDate: dateOf(today),
          dueDate: dateOf(new Date(today.getTime() + (cycle.dueDay - day) * DAY_MS)),
          amountDue: { amountMinor, currency },
          minimumDue: { amountMinor: cycle.minimumMinor, currency },
        },
        platform.auth,
      )
      .then(() => undefined);
  });
  await platform.drained();
}

async function carryOut(
  platform: PlatformClient,
  actions: { b: DebtorBehaviour; action: Action }[],
  day: number,
  today: Date,
  instantOfDay: (day: number) => Date,
  activity: SimulationResult['activity'],
): Promise<void> {
  const gateway: ledger.PostPaymentRequest[] = [];
  const bankLines: string[] = [];
  let n = 0;
  // Payments first, then promises, disputes and opt-outs, each kind followed by the platform
  // catching up (see onboarding: the same order of topics on every run).
  const order: Action['kind'][] = ['pay', 'promise', 'dispute', 'opt-out'];
  const sorted = actions
    .map((a, i) => ({ ...a, i }))
    .sort((x, y) => order.indexOf(x.action.kind) - order.indexOf(y.action.kind) || x.i - y.i);
  let previousKind: Action['kind'] | undefined;
  for (const { b, action } of sorted) {
    const d = b.debtor;
    const currency = d.jurisdiction.currency;
    n += 1;
    if (previousKind !== action.kind) {
      if (previousKind === 'pay') await postPayments();
      else if (previousKind) await platform.drained();
      previousKind = action.kind;
    }
    switch (action.kind) {
      case 'pay':
        if (d.paysBy === 'gateway')
          gateway.push({
            accountId: d.accountId,
            amount: { amountMinor: action.amountMinor, currency },
            idempotencyKey: `sim:${d.accountId}:pay:${day}:${n}`,
            reference: `gw-${day}-${n}`,
            effectiveDate: '',
          });
        else
          bankLines.push(
            [
              dateOf(today),
              dateOf(today),
              decimalOf(action.amountMinor, d.jurisdiction.exponent),
              currency,
              `pago ${d.externalRef}`,
              '',
              `bank-${day}-${n}`,
            ].join(','),
          );
        break;
      case 'promise':
        await platform.promises.createPromise(
          {
            accountId: d.accountId,
            amount: { amountMinor: action.amountMinor, currency },
            dueDate: dateOf(instantOfDay(action.dueDay)),
            idempotencyKey: `sim:${d.accountId}:promise:${day}`,
          },
          platform.auth,
        );
        activity.promisesMade += 1;
        break;
      case 'dispute':
        await platform.ledger.setHold(
          {
            debtorId: d.debtorId,
            kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
            source: 'debtor',
            startsOn: dateOf(today),
            endsOn: '',
            idempotencyKey: `sim:${d.debtorId}:dispute`,
            bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
          },
          platform.auth,
        );
        activity.disputes += 1;
        break;
      case 'opt-out':
        await platform.ledger.recordConsent(
          { debtorId: d.debtorId, channel: action.channel, granted: false, source: 'debtor' },
          platform.auth,
        );
        activity.optOuts += 1;
        break;
    }
  }
  if (previousKind === 'pay') await postPayments();
  else if (previousKind) await platform.drained();

  async function postPayments(): Promise<void> {
    if (gateway.length > 0) {
      const res = await platform.ledger.postPayments({ payments: gateway }, platform.auth);
      const refused = res.results.filter((r) => r.error);
      if (refused.length > 0)
        throw new Error(`the ledger refused ${refused.length} payments: ${refused[0].error?.message}`);
      activity.paymentsViaGateway += gateway.length;
    }
    if (bankLines.length > 0) {
      // One bank statement per currency and day, as a bank would send it.
      const byCurrency = new Map<string, string[]>();
      for (const line of bankLines) {
        const currency = line.split(',')[3];
        byCurrency.set(currency, [...(byCurrency.get(currency) ?? []), line]);
      }
      for (const [currency, lines] of [...byCurrency].sort(([a], [b]) => a.localeCompare(b))) {
        const csv = [
          'booking_date,value_date,amount,currency,reference,counterparty_account,bank_reference',
          ...lines,
        ].join('\n');
        const res = await platform.reconciliation.importStatement(
          {
            content: Buffer.from(`${csv}\n`, 'utf8'),
            kind: reconciliation.StatementFileKind.STATEMENT_FILE_KIND_BANK_CSV,
            name: `bank-${currency}-${dateOf(today)}.csv`,
          },
          platform.auth,
        );
        activity.bankFilesImported += 1;
        activity.bankItemsMatched += res.matched;
        activity.paymentsViaBankFile += lines.length;
      }
    }
    await platform.drained();
  }
}

async function firstDueMissed(
  platform: PlatformClient,
  behaviours: DebtorBehaviour[],
  start: Date,
  lastDay: Date,
): Promise<number | null> {
  let due = 0;
  let missed = 0;
  for (const b of behaviours) {
    const first = b.cycles[0];
    const dayAfterDue = new Date(start.getTime() + (first.dueDay + 1) * DAY_MS);
    if (dayAfterDue > lastDay) continue;
    const balance = await platform.ledger.getBalance(
      { accountId: b.debtor.accountId, asOfDate: dateOf(dayAfterDue) },
      platform.auth,
    );
    due += 1;
    if ((balance.detail?.daysPastDue ?? 0) > 0) missed += 1;
  }
  return due === 0 ? null : missed / due;
}
