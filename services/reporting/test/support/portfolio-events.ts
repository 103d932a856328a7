import {
  EventPayload,
  EventType,
  encodePayload,
  orchestrator,
  orchestratorAgents,
  promises,
  scoring,
  topicOf,
} from '@collections/contracts';
import { InboundRecord, buildHeaders } from '@collections/messaging';
import { USD, at, eventScript } from './event-script';

export interface SeedEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  time: Date;
  payload: EventPayload<T>;
}

/**
 * A portfolio small enough to compute by hand (the one of kpis.spec.ts, told as events):
 *   A opened 2026-01-01 owing 1,000.00; pays 200.00 on 01-20 and 300.00 on 03-15; 1-30 on 01-15,
 *     current again on 03-16 (a same-day correction: 1-30 first, then current)
 *   B opened 2026-01-01 owing 3,000.00; pays 600.00 on 02-10, and 100.00 on 02-20 that is reversed
 *     on 02-25; 1-30 on 01-20, 31-60 on 02-25
 *   C opened 2026-02-01 owing 1,000.00; pays nothing; 1-30 on 03-05
 * Statements: A 800.00 on 02-05, C 1,000.00 on 03-01. Contacts: A call allowed, A SMS refused,
 * B call allowed, C SMS allowed; C's debtor then withdraws SMS consent (A's withdraws WhatsApp,
 * where nobody contacted them). A kept a promise on 03-15. A was scored NEGOTIATE by m1, then
 * SELF_CURE by m2; B NEGOTIATE (m1); C HARDSHIP (m1). B broke a promise on 02-18; A's promise was
 * reported broken on 03-12 before it was paid (kept) on 03-15. Offers held for a supervisor expired
 * undecided: B's settlement on 01-20, A's plan on 02-20.
 * The orchestrator's side: dec-2 (A, SMS) was refused by quiet-hours and frequency-cap, dec-5 (B, SMS,
 * 03-10) by quiet-hours; the allowed ones were sent (A call 02-03, B call 02-05, C SMS 03-02). Calls to
 * A: no answer (02-03), then a promise (02-06); to B: a refusal (02-05), then a wrong party (02-09).
 * The orchestrator recorded C's SMS opt-out too (the same fact as the ledger's) and B's opt-out of
 * calls on 03-20.
 */
export function portfolioEvents(): SeedEvent[] {
  const script = eventScript('evt', { openingBalanceHour: 10 });
  const { add, open, balance, pay, age, take } = script;
  const score = (accountId: string, day: string, segment: scoring.Segment, modelVersion: string) =>
    script.score(accountId, day, { segment, modelVersion });
  const contact = (
    decisionId: string,
    accountId: string,
    day: string,
    channel: orchestrator.Channel,
    allowed: boolean,
    reasons: string[] = [],
  ) =>
    add('collections.orchestrator.v1.ContactDecision', at(day, 15), {
      decisionId,
      accountId,
      channel,
      allowed,
      reasons,
      decidedAt: at(day, 15),
    });
  const sent = (
    scheduleId: string,
    decisionId: string,
    accountId: string,
    day: string,
    channel: orchestrator.Channel,
  ) =>
    add('collections.orchestrator.v1.ContactSent', at(day, 16), {
      scheduleId,
      decisionId,
      accountId,
      channel,
      template: 'reminder',
      strategyId: 's',
      armId: '',
      stepId: 'step-1',
      providerMessageId: `msg-${scheduleId}`,
      attempts: 1,
      sentAt: at(day, 16),
    });
  const called = (outcomeId: string, accountId: string, day: string, outcome: orchestratorAgents.CallOutcome) =>
    add('collections.orchestrator.v1.CallOutcomeRecorded', at(day, 17), {
      outcomeId,
      accountId,
      taskId: `task-${outcomeId}`,
      agentId: 'agent-1',
      source: orchestratorAgents.CallOutcomeSource.CALL_OUTCOME_SOURCE_AGENT,
      outcome,
      promisedDate: '',
      recordedAt: at(day, 17),
    });
  const optOut = (debtorId: string, accountId: string, day: string, channel: orchestrator.Channel) =>
    add('collections.orchestrator.v1.OptOutRecorded', at(day, 18), {
      debtorId,
      channel,
      accountIds: [accountId],
      recordedAt: at(day, 18),
    });
  const statement = (accountId: string, cycle: number, day: string, due: number) =>
    add('collections.ledger.v1.StatementIssued', at(day, 2), {
      accountId,
      cycle,
      statementDate: day,
      dueDate: day,
      amountDue: USD(due),
      minimumDue: USD(due / 10),
      hasReportedStatus: false,
      reportedStatus: 0,
    });

  open('A', '2026-01-01', 100_000);
  open('B', '2026-01-01', 300_000);
  open('C', '2026-02-01', 100_000);
  score('A', '2026-01-02', scoring.Segment.SEGMENT_NEGOTIATE, 'm1');
  score('B', '2026-01-02', scoring.Segment.SEGMENT_NEGOTIATE, 'm1');
  score('C', '2026-02-02', scoring.Segment.SEGMENT_HARDSHIP, 'm1');
  score('A', '2026-02-15', scoring.Segment.SEGMENT_SELF_CURE, 'm2');
  age('A', '2026-01-15', 14, '1-30');
  age('B', '2026-01-20', 19, '1-30');
  pay('A', 'pay-A1', '2026-01-20', 20_000, 80_000);
  contact('dec-1', 'A', '2026-02-03', orchestrator.Channel.CHANNEL_CALL, true);
  contact('dec-2', 'A', '2026-02-04', orchestrator.Channel.CHANNEL_SMS, false, [
    'quiet-hours: outside the contact hours',
    'frequency-cap: 3 contacts in 7 days',
  ]);
  contact('dec-3', 'B', '2026-02-05', orchestrator.Channel.CHANNEL_CALL, true);
  statement('A', 1, '2026-02-05', 80_000);
  pay('B', 'pay-B1', '2026-02-10', 60_000, 240_000);
  pay('B', 'pay-B2', '2026-02-20', 10_000, 230_000);
  add('collections.ledger.v1.PaymentReversed', at('2026-02-25'), {
    entryId: 'rev-B2',
    paymentId: 'pay-B2',
    accountId: 'B',
    amount: USD(10_000),
    reason: 'NSF',
  });
  balance('B', 'rev-B2', '2026-02-25', 240_000);
  age('B', '2026-02-25', 36, '31-60');
  statement('C', 1, '2026-03-01', 100_000);
  contact('dec-4', 'C', '2026-03-02', orchestrator.Channel.CHANNEL_SMS, true);
  const consent = (debtorId: string, day: string, channel: string, granted: boolean) =>
    add('collections.ledger.v1.ConsentChanged', at(day, 16), { debtorId, channel, granted, consentedChannels: [] });
  consent('d-A', '2026-02-07', 'whatsapp', false); // never contacted on WhatsApp: not an opt-out of a contact
  consent('d-C', '2026-03-03', 'sms', false);
  age('C', '2026-03-05', 4, '1-30');
  pay('A', 'pay-A2', '2026-03-15', 30_000, 50_000);
  add('collections.promises.v1.PromiseKept', at('2026-03-15', 14), {
    promiseId: 'prom-A1',
    accountId: 'A',
    amount: USD(30_000),
    keptAt: at('2026-03-15', 14),
    planId: '',
    instalmentSeq: 0,
  });
  age('A', '2026-03-16', 29, '1-30', 5);
  age('A', '2026-03-16', 0, 'current', 6);
  const broken = (promiseId: string, accountId: string, day: string) =>
    add('collections.promises.v1.PromiseBroken', at(day, 14), {
      promiseId,
      accountId,
      amount: USD(30_000),
      paid: USD(0),
      dueDate: day,
      brokenAt: at(day, 14),
      planId: '',
      instalmentSeq: 0,
    });
  broken('prom-B1', 'B', '2026-02-18');
  broken('prom-A1', 'A', '2026-03-12'); // paid late, on 03-15: it counts as kept
  const expired = (approvalId: string, accountId: string, kind: string, requested: string, expires: string) =>
    add('collections.promises.v1.OfferApprovalExpired', at(expires, 16), {
      approvalId,
      accountId,
      kind,
      agentId: 'agent-1',
      reason: 'an agent may grant at most 24 instalments, asked 30: needs a supervisor',
      requestedAt: at(requested, 16),
      expiresAt: at(expires, 16),
      debtorAnswered: false,
    });
  expired('appr-B1', 'B', 'settlement', '2026-01-17', '2026-01-20');
  expired('appr-A1', 'A', 'plan', '2026-02-17', '2026-02-20');
  const { CHANNEL_CALL: CALL, CHANNEL_SMS: SMS } = orchestrator.Channel;
  const O = orchestratorAgents.CallOutcome;
  contact('dec-5', 'B', '2026-03-10', SMS, false, ['quiet-hours: outside the contact hours']);
  sent('sched-1', 'dec-1', 'A', '2026-02-03', CALL);
  sent('sched-3', 'dec-3', 'B', '2026-02-05', CALL);
  sent('sched-4', 'dec-4', 'C', '2026-03-02', SMS);
  called('out-1', 'A', '2026-02-03', O.CALL_OUTCOME_NO_ANSWER);
  called('out-2', 'A', '2026-02-06', O.CALL_OUTCOME_PROMISE);
  called('out-3', 'B', '2026-02-05', O.CALL_OUTCOME_REFUSAL);
  called('out-4', 'B', '2026-02-09', O.CALL_OUTCOME_WRONG_PARTY);
  optOut('d-C', 'C', '2026-03-03', SMS);
  optOut('d-B', 'B', '2026-03-20', CALL);
  // Offers held for a supervisor: B's settlement of 01-17 announced when held (it expired above);
  // A's plan of 02-17 held before the event existed (only its expiry tells); A's plan of 02-25
  // approved the next day, C's settlement of 03-05 rejected the next day, B's plan of 03-30 pending.
  const hoursAfter = (day: string, hours: number) => new Date(at(day, 16).getTime() + hours * 3_600_000);
  const held = (approvalId: string, accountId: string, kind: string, requested: string) =>
    add('collections.promises.v1.OfferApprovalRequested', at(requested, 16), {
      approvalId,
      accountId,
      kind,
      agentId: 'agent-1',
      reason: 'an agent may grant at most 24 instalments, asked 30: needs a supervisor',
      policyVersion: 1,
      requestedAt: at(requested, 16),
      expiresAt: hoursAfter(requested, 72),
    });
  const decided = (approvalId: string, accountId: string, kind: string, requested: string, approve: boolean) =>
    add('collections.promises.v1.OfferApprovalDecided', hoursAfter(requested, 20), {
      approvalId,
      accountId,
      kind,
      agentId: 'agent-1',
      decision: approve
        ? promises.ApprovalDecision.APPROVAL_DECISION_APPROVE
        : promises.ApprovalDecision.APPROVAL_DECISION_REJECT,
      decidedBy: 'supervisor-1',
      requestedAt: at(requested, 16),
      decidedAt: hoursAfter(requested, 20),
      planId: approve && kind === 'plan' ? `plan-${approvalId}` : '',
      settlementId: approve && kind === 'settlement' ? `settlement-${approvalId}` : '',
      debtorAnswered: approve,
    });
  held('appr-B1', 'B', 'settlement', '2026-01-17');
  held('appr-A2', 'A', 'plan', '2026-02-25');
  decided('appr-A2', 'A', 'plan', '2026-02-25', true);
  held('appr-C1', 'C', 'settlement', '2026-03-05');
  decided('appr-C1', 'C', 'settlement', '2026-03-05', false);
  held('appr-B2', 'B', 'plan', '2026-03-30');
  return take();
}

/** The event as the transport delivers it: a CloudEvents record (the offset is its position). */
export function toRecord(e: SeedEvent, tenantId: string, offset: number, id = e.id): InboundRecord {
  return {
    topic: topicOf(e.type),
    key: (e.payload as { accountId?: string }).accountId ?? '',
    headers: buildHeaders({ type: e.type, source: '/collections/seed', tenantId, time: e.time, id }),
    payload: Buffer.from(encodePayload(e.type, e.payload)),
    partition: 0,
    offset: String(offset),
  };
}

/** A seeded shuffle (mulberry32), so a failing order can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
