import { EventType, decodePayload, ledger, ledgerLifecycle } from '@collections/contracts';
import { grpcClient } from '@collections/platform';
import { columnsHolding } from '@collections/testing';
import { openFundedAccount } from './support/accounts';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { ENTRY_KIND_ADJUSTMENT, ENTRY_KIND_WRITE_OFF, ENTRY_KIND_SETTLEMENT_DISCOUNT } = ledger.EntryKind;

/** What collectors type as a reason or a hold's source: a person's health, work and family. */
const TEXTS = {
  adjustment: 'perdió su empleo, esposo en el hospital: ajuste Ofelia Sinrastro',
  chargeOff: 'deudora Ofelia Sinrastro con cáncer terminal, sin bienes',
  keptChargeOff: 'agencia Cobrofácil: Ofelia Sinrastro se mudó con su hija a Quito',
  settlement: 'acuerdo con Ofelia Sinrastro tras el divorcio, paga su hermano',
  settledAtZero: 'saldo cubierto por el seguro de vida del esposo de Ofelia Sinrastro',
  closure: 'cerrada a pedido de Ofelia Sinrastro, internada en psiquiatría',
  holdSource: 'abogada Pilar Reyes de Ofelia Sinrastro, tel 3009876543',
  liftReason: 'Ofelia Sinrastro retiró la disputa por teléfono',
};

/**
 * The free texts people type about a debtor (adjustment and lifecycle reasons, who reported a
 * hold) stay in the ledger, encrypted and erasable, and off the events: a topic keeps a record for
 * its retention and consumers copy it (dead letters, read models), where no EraseDebtor reaches.
 * The ledger's own views still answer them as given.
 */
describe('free texts people type stay off the ledger events (real PostgreSQL, outbox bytes)', () => {
  let api: LedgerApi;
  let lifecycle: ReturnType<typeof grpcClient<typeof ledgerLifecycle.LedgerLifecycleServiceService>>;
  let holdId = '';

  /** Every outbox row the ledger wrote for a key (an account or a debtor): type and encoded bytes. */
  async function outboxOf(key: string) {
    return (await api.sut.dataSource.query(
      `SELECT headers->>'ce_type' AS type, payload FROM ledger.outbox WHERE key = $1 ORDER BY id`,
      [key],
    )) as { type: string; payload: Buffer }[];
  }
  /** The events of one type written for a key, decoded. */
  async function eventsOf<T extends EventType>(key: string, type: T) {
    return (await outboxOf(key)).filter((r) => r.type === type).map((r) => decodePayload(type, r.payload));
  }
  /** The types of the events whose encoded bytes (or headers) hold `text`. */
  async function eventsHolding(key: string, text: string) {
    const rows = (await api.sut.dataSource.query(
      `SELECT headers->>'ce_type' AS type FROM ledger.outbox
        WHERE key = $1 AND (position(convert_to($2, 'UTF8') IN payload) > 0 OR strpos(headers::text, $2) > 0)
        ORDER BY id`,
      [key, text],
    )) as { type: string }[];
    return rows.map((r) => r.type);
  }
  const memosOf = async (accountId: string) =>
    (await api.client.getAccountHistory({ accountId }, api.md())).entries.map((e) => [e.kind, e.memo]);
  const payOff = (accountId: string, amountMinor: number) =>
    api.client.postPayment(
      { accountId, amount: USD(amountMinor), idempotencyKey: `pay-${accountId}`, reference: '', effectiveDate: '' },
      api.md(),
    );

  beforeAll(async () => {
    api = await startLedgerApi();
    api.sut.clock.set(new Date('2026-03-02T15:00:00Z'));
    lifecycle = grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, api.sut.app.grpcAddress);
    const { client, md } = api;
    const open = (id: string) => openFundedAccount(client, md, { id, opening: 100_000 });

    await open('ft-adjust');
    await client.postAdjustment(
      {
        accountId: 'ft-adjust',
        kind: ENTRY_KIND_ADJUSTMENT,
        amount: USD(-5_000),
        idempotencyKey: 'adjust-ft',
        reason: TEXTS.adjustment,
        effectiveDate: '',
      },
      md(),
    );
    await open('ft-charge-off');
    await lifecycle.chargeOffAccount(
      { accountId: 'ft-charge-off', idempotencyKey: 'co-ft', reason: TEXTS.chargeOff },
      md(),
    );
    await open('ft-kept');
    await lifecycle.chargeOffAccount(
      { accountId: 'ft-kept', idempotencyKey: 'kept-ft', reason: TEXTS.keptChargeOff, keepBalanceOwed: true },
      md(),
    );
    await open('ft-settle');
    await lifecycle.settleAccount(
      { accountId: 'ft-settle', idempotencyKey: 'settle-ft', reason: TEXTS.settlement },
      md(),
    );
    await open('ft-settle-zero');
    await payOff('ft-settle-zero', 100_000);
    await lifecycle.settleAccount(
      { accountId: 'ft-settle-zero', idempotencyKey: 'settle-zero-ft', reason: TEXTS.settledAtZero },
      md(),
    );
    await open('ft-close');
    await payOff('ft-close', 100_000);
    await lifecycle.closeAccount({ accountId: 'ft-close', reason: TEXTS.closure }, md());

    ({ holdId } = await client.setHold(
      {
        debtorId: 'd-ft-adjust',
        kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
        source: TEXTS.holdSource,
        startsOn: '2026-03-02',
        endsOn: '',
        idempotencyKey: 'hold-ft',
        bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      },
      md(),
    ));
    await client.liftHold({ holdId, reason: TEXTS.liftReason }, md());
  });

  afterAll(async () => {
    lifecycle?.close();
    await api?.close();
  });

  it("publishes an adjustment without its reason; the account's history still answers it", async () => {
    expect(await eventsOf('ft-adjust', 'collections.ledger.v1.AdjustmentPosted')).toEqual([
      expect.objectContaining({ kind: ENTRY_KIND_ADJUSTMENT, amount: USD(-5_000), reason: '' }),
    ]);
    expect(await eventsHolding('ft-adjust', TEXTS.adjustment)).toEqual([]);
    expect(await memosOf('ft-adjust')).toContainEqual([ENTRY_KIND_ADJUSTMENT, TEXTS.adjustment]);
  });

  it("publishes a charge-off (and its write-off) without its reason; the write-off's memo still answers it", async () => {
    expect(await eventsOf('ft-charge-off', 'collections.ledger.v1.AccountChargedOff')).toEqual([
      expect.objectContaining({ amount: USD(100_000), balanceKept: false, reason: '' }),
    ]);
    expect(await eventsOf('ft-charge-off', 'collections.ledger.v1.AdjustmentPosted')).toEqual([
      expect.objectContaining({ kind: ENTRY_KIND_WRITE_OFF, reason: '' }),
    ]);
    expect(await eventsHolding('ft-charge-off', TEXTS.chargeOff)).toEqual([]);
    expect(await memosOf('ft-charge-off')).toContainEqual([ENTRY_KIND_WRITE_OFF, TEXTS.chargeOff]);
  });

  it('publishes a charge-off keeping the balance owed without its reason', async () => {
    expect(await eventsOf('ft-kept', 'collections.ledger.v1.AccountChargedOff')).toEqual([
      expect.objectContaining({ balanceKept: true, balanceAfter: USD(100_000), reason: '' }),
    ]);
    expect(await eventsHolding('ft-kept', TEXTS.keptChargeOff)).toEqual([]);
  });

  it("publishes a settlement without its reason; the discount's memo still answers it", async () => {
    expect(await eventsOf('ft-settle', 'collections.ledger.v1.AccountSettled')).toEqual([
      expect.objectContaining({ discount: USD(100_000), reason: '' }),
    ]);
    expect(await eventsHolding('ft-settle', TEXTS.settlement)).toEqual([]);
    expect(await memosOf('ft-settle')).toContainEqual([ENTRY_KIND_SETTLEMENT_DISCOUNT, TEXTS.settlement]);
  });

  it('publishes a settlement with nothing left to discount, and a closure, without their reasons', async () => {
    expect(await eventsOf('ft-settle-zero', 'collections.ledger.v1.AccountSettled')).toEqual([
      expect.objectContaining({ entryId: '', discount: USD(0), reason: '' }),
    ]);
    expect(await eventsHolding('ft-settle-zero', TEXTS.settledAtZero)).toEqual([]);
    expect(await eventsOf('ft-close', 'collections.ledger.v1.AccountClosed')).toEqual([
      expect.objectContaining({ closedOn: '2026-03-02', reason: '' }),
    ]);
    expect(await eventsHolding('ft-close', TEXTS.closure)).toEqual([]);
  });

  it("publishes a hold set and lifted without who reported it; the debtor's export still answers it", async () => {
    expect(await eventsOf('d-ft-adjust', 'collections.ledger.v1.HoldChanged')).toEqual([
      expect.objectContaining({ holdId, kind: ledger.HoldKind.HOLD_KIND_DISPUTE, active: true, source: '' }),
      expect.objectContaining({ holdId, kind: ledger.HoldKind.HOLD_KIND_DISPUTE, active: false, source: '' }),
    ]);
    expect(await eventsHolding('d-ft-adjust', TEXTS.holdSource)).toEqual([]);
    expect(await eventsHolding('d-ft-adjust', TEXTS.liftReason)).toEqual([]);
    const exported = await api.client.exportDebtor({ debtorId: 'd-ft-adjust' }, api.md());
    expect(exported.holds.map((h) => [h.holdId, h.source, h.liftReason])).toEqual([
      [holdId, TEXTS.holdSource, TEXTS.liftReason],
    ]);
  });

  it('keeps none of the texts in clear anywhere in its database (outbox and in-process log included)', async () => {
    const found: Record<string, string[]> = {};
    for (const [name, text] of Object.entries(TEXTS)) found[name] = await columnsHolding(api.sut.dataSource, text);
    expect(found).toEqual(Object.fromEntries(Object.keys(TEXTS).map((name) => [name, []])));
  });

  it('still tells an NSF from a chargeback on PaymentReversed: a code from a list, not a typed text', async () => {
    await openFundedAccount(api.client, api.md, { id: 'ft-reversal', opening: 100_000 });
    const nsf = await api.client.postPayment(
      { accountId: 'ft-reversal', amount: USD(10_000), idempotencyKey: 'pay-nsf', reference: '', effectiveDate: '' },
      api.md(),
    );
    const chargeback = await api.client.postPayment(
      { accountId: 'ft-reversal', amount: USD(20_000), idempotencyKey: 'pay-cb', reference: '', effectiveDate: '' },
      api.md(),
    );
    await api.client.reversePayment({ paymentId: nsf.paymentId, reason: 'nsf', idempotencyKey: 'rev-nsf' }, api.md());
    await api.client.reversePayment(
      { paymentId: chargeback.paymentId, reason: 'chargeback', idempotencyKey: 'rev-cb' },
      api.md(),
    );
    expect(
      (await eventsOf('ft-reversal', 'collections.ledger.v1.PaymentReversed')).map((e) => [e.paymentId, e.reason]),
    ).toEqual([
      [nsf.paymentId, 'nsf'],
      [chargeback.paymentId, 'chargeback'],
    ]);
  });
});
