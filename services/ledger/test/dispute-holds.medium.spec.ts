import { randomUUID } from 'node:crypto';
import { EventPayload, ledger, orchestrator, orchestratorAgents } from '@collections/contracts';
import { metadataFromPrincipalHeaders } from '@collections/platform';
import {
  EventToDeliver,
  ServiceUnderTest,
  deliverInProcess,
  scrapeSeries,
  startInProcessConsumers,
} from '@collections/testing';
import { DISPUTES_OLDEST_METRIC, DISPUTES_OPEN_METRIC } from '../src/ledger/dispute-metrics';
import { ledgerService } from '../src/ledger.service';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

type CallOutcomeRecorded = EventPayload<'collections.orchestrator.v1.CallOutcomeRecorded'>;
type DebtorReplied = EventPayload<'collections.orchestrator.v1.DebtorReplied'>;

const { CallOutcome, CallOutcomeSource, ReplyIntent } = orchestratorAgents;
const DISPUTE = ledger.HoldKind.HOLD_KIND_DISPUTE;

/**
 * A debtor who disputes the debt to an agent or the voice bot (CallOutcomeRecorded, DISPUTE), or
 * in a written reply (DebtorReplied, DISPUTE), is put on the ledger's own dispute hold: one per
 * debtor of the account, as SetHold opens it, published as HoldChanged. The events come through
 * the ledger's real consumer on the in-process transport.
 */
describe('the ledger’s own dispute hold on a call or a reply (events, real PostgreSQL)', () => {
  let api: LedgerApi;
  let sut: ServiceUnderTest;
  let client: LedgerApi['client'];
  let md: LedgerApi['md'];
  let n = 0;

  beforeAll(async () => {
    api = await startLedgerApi();
    ({ sut, client, md } = api);
    await startInProcessConsumers(sut, ledgerService);
  });
  afterAll(async () => {
    await sut?.context.backbone.stop();
    await api?.close();
  });

  /** An account held jointly by two debtors, one in Bogotá and one in Madrid; `meta` picks the tenant. */
  const jointAccount = async (meta = md) => {
    const id = `acct-${++n}-${randomUUID().slice(0, 8)}`;
    const debtors = [
      { debtorId: `${id}-ana`, timeZone: 'America/Bogota' },
      { debtorId: `${id}-luis`, timeZone: 'Europe/Madrid' },
    ];
    for (const d of debtors) {
      await client.upsertDebtor(
        { debtor: ledger.Debtor.fromPartial({ ...d, kind: 'person', displayName: 'Ana Pérez', country: 'CO' }) },
        meta(),
      );
    }
    await client.openAccount(
      ledger.OpenAccountRequest.fromPartial({
        accountId: id,
        externalRef: `crm-${id}`,
        product: ledger.Product.PRODUCT_PERSONAL_LOAN,
        currency: 'COP',
        openedOn: '2026-01-01',
        timeZone: 'America/Bogota',
        debtors: [
          { debtorId: debtors[0].debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY },
          { debtorId: debtors[1].debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_CO_OBLIGOR },
        ],
      }),
      meta(),
    );
    return { accountId: id, debtorIds: debtors.map((d) => d.debtorId) };
  };

  // 02:30 UTC on 3 March: still 2 March in Bogotá, already 3 March in Madrid.
  const disputedAt = new Date('2026-03-03T02:30:00Z');
  const callOutcome = (accountId: string, outcome: orchestratorAgents.CallOutcome, outcomeId = randomUUID()) =>
    ({
      type: 'collections.orchestrator.v1.CallOutcomeRecorded',
      payload: {
        outcomeId,
        accountId,
        taskId: '',
        agentId: 'agent-7',
        source: CallOutcomeSource.CALL_OUTCOME_SOURCE_AGENT,
        outcome,
        promisedDate: '',
        recordedAt: disputedAt,
      } satisfies CallOutcomeRecorded,
    }) as const;
  const reply = (accountId: string, intent: orchestratorAgents.ReplyIntent, replyId = randomUUID()) =>
    ({
      type: 'collections.orchestrator.v1.DebtorReplied',
      payload: {
        replyId,
        accountId,
        channel: orchestrator.Channel.CHANNEL_SMS,
        intent,
        receivedAt: disputedAt,
      } satisfies DebtorReplied,
    }) as const;
  /** Publishes as the orchestrator would, in one batch, and waits until the ledger's group read past them. */
  const deliver = (...events: (EventToDeliver & { id?: string })[]) =>
    deliverInProcess(sut, events, { group: 'ledger', source: '/collections/orchestrator' });

  /** The debtor's holds as the ledger's API answers them (ExportDebtor). */
  const holdsOf = async (debtorId: string) => (await client.exportDebtor({ debtorId }, md())).holds;
  /** The HoldChanged events the ledger published about the debtor (its outbox), with their tenant. */
  const holdChanges = async (debtorId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT headers->>'ce_tenantid' AS tenant, payload FROM ledger.outbox
          WHERE key = $1 AND headers->>'ce_type' = 'collections.ledger.v1.HoldChanged' ORDER BY id`,
        [debtorId],
      )) as { tenant: string; payload: Buffer }[]
    ).map((r) => ({ tenant: r.tenant, ...ledger.HoldChanged.decode(r.payload) }));
  const deadLetters = async () =>
    ((await sut.dataSource.query(`SELECT count(*)::int AS n FROM ledger.dead_letter`)) as { n: number }[])[0].n;

  it('puts every debtor of a joint account on a dispute hold when the debtor disputes on a call, once', async () => {
    const { accountId, debtorIds } = await jointAccount();
    const event = { ...callOutcome(accountId, CallOutcome.CALL_OUTCOME_DISPUTE), id: randomUUID() };
    await deliver(event);

    const cause = `call-dispute:${event.payload.outcomeId}`;
    const [ana, luis] = debtorIds;
    // Each starts on the day the debtor disputed, on that debtor's own calendar.
    expect(await holdsOf(ana)).toEqual([
      expect.objectContaining({ kind: DISPUTE, source: cause, startsOn: '2026-03-02', endsOn: '', liftReason: '' }),
    ]);
    expect((await holdsOf(ana))[0].liftedAt).toBeUndefined();
    expect(await holdsOf(luis)).toEqual([
      expect.objectContaining({ kind: DISPUTE, source: cause, startsOn: '2026-03-03' }),
    ]);
    for (const debtorId of debtorIds) {
      const [hold] = await holdsOf(debtorId);
      expect(await holdChanges(debtorId)).toEqual([
        expect.objectContaining({
          tenant: sut.tenant,
          holdId: hold.holdId,
          debtorId,
          kind: DISPUTE,
          active: true,
          // The source is answered by the export (above), never published: HoldChanged.source is
          // empty for every hold, as for one whose source a person typed.
          source: '',
        }),
      ]);
    }
    // The source is a free text like any other: stored encrypted.
    const stored = (await sut.dataSource.query(
      `SELECT count(*)::int AS n FROM ledger.debtor_hold WHERE debtor_id = ANY($1) AND position($2::bytea IN source_enc) > 0`,
      [debtorIds, Buffer.from(cause)],
    )) as { n: number }[];
    expect(stored[0].n).toBe(0);

    // The same event again (redelivered), and the same outcome under a new event id (replayed).
    await deliver(event);
    await deliver({ ...event, id: randomUUID() });
    for (const debtorId of debtorIds) {
      expect(await holdsOf(debtorId)).toHaveLength(1);
      expect(await holdChanges(debtorId)).toHaveLength(1);
    }
  });

  it('puts the debtors on a dispute hold when a written reply disputes the debt, once', async () => {
    const { accountId, debtorIds } = await jointAccount();
    const event = { ...reply(accountId, ReplyIntent.REPLY_INTENT_DISPUTE), id: randomUUID() };
    await deliver(event);
    await deliver({ ...event, id: randomUUID() });
    for (const debtorId of debtorIds) {
      expect((await holdsOf(debtorId)).map((h) => [h.kind, h.source])).toEqual([
        [DISPUTE, `reply-dispute:${event.payload.replyId}`],
      ]);
      expect(await holdChanges(debtorId)).toHaveLength(1);
    }
  });

  it('opens no second hold for a debtor already under a dispute hold, nor for an erased debtor', async () => {
    const { accountId, debtorIds } = await jointAccount();
    const [ana, luis] = debtorIds;
    const officers = await client.setHold(
      {
        debtorId: ana,
        kind: DISPUTE,
        source: 'compliance',
        startsOn: '2026-03-01',
        endsOn: '',
        idempotencyKey: `co-${ana}`,
        bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      },
      md(),
    );
    await client.eraseDebtor({ debtorId: luis, reason: 'data subject request' }, md());
    await deliver(callOutcome(accountId, CallOutcome.CALL_OUTCOME_DISPUTE));
    expect((await holdsOf(ana)).map((h) => h.holdId)).toEqual([officers.holdId]);
    expect(await holdsOf(luis)).toEqual([]);
    expect(await holdChanges(luis)).toEqual([]);
  });

  it('changes nothing on other call outcomes and reply intents, nor on a dispute reply that names no account', async () => {
    const { accountId, debtorIds } = await jointAccount();
    await deliver(
      ...[
        CallOutcome.CALL_OUTCOME_PROMISE,
        CallOutcome.CALL_OUTCOME_REFUSAL,
        CallOutcome.CALL_OUTCOME_RIGHT_PARTY_CONTACT,
        CallOutcome.CALL_OUTCOME_NO_ANSWER,
        CallOutcome.CALL_OUTCOME_WRONG_PARTY,
      ].map((o) => callOutcome(accountId, o)),
    );
    await deliver(
      reply(accountId, ReplyIntent.REPLY_INTENT_OPT_OUT),
      reply(accountId, ReplyIntent.REPLY_INTENT_PAYMENT_INTENT),
      reply(accountId, ReplyIntent.REPLY_INTENT_OTHER),
      { ...reply('', ReplyIntent.REPLY_INTENT_DISPUTE), key: 'reply-without-account' },
    );
    for (const debtorId of debtorIds) {
      expect(await holdsOf(debtorId)).toEqual([]);
      expect(await holdChanges(debtorId)).toEqual([]);
    }
  });

  it('skips a dispute on an account it does not know (unknown id, another tenant’s) and goes on to the next event', async () => {
    const theirs = await jointAccount(() => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey }));
    const mine = await jointAccount();
    const before = await deadLetters();
    await deliver(
      callOutcome('no-such-account', CallOutcome.CALL_OUTCOME_DISPUTE),
      callOutcome(theirs.accountId, CallOutcome.CALL_OUTCOME_DISPUTE),
      callOutcome(mine.accountId, CallOutcome.CALL_OUTCOME_DISPUTE),
    );
    for (const debtorId of mine.debtorIds) expect(await holdsOf(debtorId)).toHaveLength(1);
    const theirHolds = (await sut.dataSource.query(
      `SELECT count(*)::int AS n FROM ledger.debtor_hold WHERE debtor_id = ANY($1)`,
      [theirs.debtorIds],
    )) as { n: number }[];
    expect(theirHolds[0].n).toBe(0);
    expect(await deadLetters()).toBe(before);
  });

  it('ends the dispute when a compliance officer lifts the hold (HoldChanged lifting a dispute), for good', async () => {
    const { accountId, debtorIds } = await jointAccount();
    const [ana] = debtorIds;
    const event = callOutcome(accountId, CallOutcome.CALL_OUTCOME_DISPUTE);
    await deliver(event);
    const [hold] = await holdsOf(ana);
    sut.clock.set(new Date('2026-03-09T15:00:00Z'));
    expect(await client.liftHold({ holdId: hold.holdId, reason: 'debt validated, sent to the debtor' }, md())).toEqual({
      lifted: true,
    });
    // What the orchestrator reads to end its provisional call-dispute hold on this debtor.
    expect((await holdChanges(ana)).map((e) => [e.holdId, e.kind, e.active])).toEqual([
      [hold.holdId, DISPUTE, true],
      [hold.holdId, DISPUTE, false],
    ]);
    // The same dispute replayed after the lift (a new event id) does not stop contact again.
    await deliver({ ...event, id: randomUUID() });
    expect(await holdsOf(ana)).toEqual([
      expect.objectContaining({ holdId: hold.holdId, liftReason: expect.any(String) }),
    ]);
    expect(await holdChanges(ana)).toHaveLength(2);
  });

  it('counts the debtors under an open dispute, by tenant, with the oldest start, on /metrics until the holds are lifted', async () => {
    const other = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    /** Series as `metric tenant` → value. */
    const scrape = async () => {
      const out: Record<string, number> = {};
      for (const metric of [DISPUTES_OPEN_METRIC, DISPUTES_OLDEST_METRIC])
        for (const [tenant, value] of Object.entries(await scrapeSeries(sut.app.httpUrl, metric, ['tenant_id'])))
          out[`${metric} ${tenant}`] = value;
      return out;
    };
    const ofOtherTenant = (series: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(series)
          .filter(([k]) => k.split(' ')[1] !== sut.tenant)
          .map(([k, v]) => [k.split(' ')[0], v]),
      );
    const before = await scrape();
    expect(ofOtherTenant(before)).toEqual({});

    const { debtorIds } = await jointAccount(other);
    const hold = (debtorId: string, kind: ledger.HoldKind, startsOn: string, endsOn = '') =>
      client.setHold(
        { debtorId, kind, source: 'debtor', startsOn, endsOn, idempotencyKey: randomUUID(), bankruptcyChapter: 0 },
        other(),
      );
    const first = await hold(debtorIds[0], DISPUTE, '2026-02-20');
    const second = await hold(debtorIds[1], DISPUTE, '2026-02-25');
    // Neither a dispute that ends by itself nor a bankruptcy waits for a compliance officer.
    await hold(debtorIds[1], DISPUTE, '2026-02-10', '2026-04-01');
    await hold(debtorIds[0], ledger.HoldKind.HOLD_KIND_BANKRUPTCY, '2026-02-01');

    const open = await scrape();
    expect(ofOtherTenant(open)).toEqual({
      [DISPUTES_OPEN_METRIC]: 2,
      [DISPUTES_OLDEST_METRIC]: Date.parse('2026-02-20T00:00:00Z') / 1000,
    });
    // The first tenant's figures are its own.
    const own = (series: Record<string, number>) =>
      Object.fromEntries(Object.entries(series).filter(([k]) => k.split(' ')[1] === sut.tenant));
    expect(own(open)).toEqual(own(before));

    await client.liftHold({ holdId: first.holdId, reason: 'debt verified and sent' }, other());
    expect(ofOtherTenant(await scrape())).toEqual({
      [DISPUTES_OPEN_METRIC]: 1,
      [DISPUTES_OLDEST_METRIC]: Date.parse('2026-02-25T00:00:00Z') / 1000,
    });
    await client.liftHold({ holdId: second.holdId, reason: 'debt verified and sent' }, other());
    expect(ofOtherTenant(await scrape())).toEqual({ [DISPUTES_OPEN_METRIC]: 0 });
  });
});
