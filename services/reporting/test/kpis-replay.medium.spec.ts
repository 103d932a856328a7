import { status } from '@grpc/grpc-js';
import { reporting } from '@collections/contracts';
import { portfolioEvents, shuffled } from './support/portfolio-events';
import { ReadModel } from './support/read-model';

const Q1 = { fromDate: '2026-01-01', toDate: '2026-03-31' };
const FEB_MAR = { fromDate: '2026-02-01', toDate: '2026-03-31' };

const valueOf = (r: reporting.GetKpisResponse, name: string) => r.kpis.find((k) => k.name === name)?.value;
const rollRate = (r: reporting.GetKpisResponse, from: string, to: string) =>
  r.rollRates.find((x) => x.fromBucket === from && x.toBucket === to)?.rate;
const QUERIES: Partial<reporting.GetKpisRequest>[] = [
  Q1,
  FEB_MAR,
  { ...Q1, segment: 'SEGMENT_NEGOTIATE' },
  { ...Q1, modelVersion: 'm2' },
  { ...FEB_MAR, channel: 'CHANNEL_CALL' },
  { ...FEB_MAR, channel: 'CHANNEL_SMS' },
];

describe('KPIs from a replayed event stream (real PostgreSQL)', () => {
  const events = portfolioEvents();
  let inOrder: ReadModel;
  let replayed: ReadModel;

  beforeAll(async () => {
    inOrder = await new ReadModel().start();
    replayed = await new ReadModel().start();
    await inOrder.deliver(events);
  });
  afterAll(async () => {
    await inOrder?.close();
    await replayed?.close();
  });

  it('computes the recovery rates of the hand-computed portfolio, net of the reversed payment', async () => {
    const r = await inOrder.kpis(Q1);
    expect(r.accounts).toBe(3);
    expect(r.currency).toBe('USD');
    expect(valueOf(r, 'recovery_rate')).toBeCloseTo(110_000 / 500_000, 12);
    expect(valueOf(r, 'recovery_rate_30d')).toBeCloseTo(20_000 / 500_000, 12);
    expect(valueOf(r, 'recovery_rate_60d')).toBeCloseTo(80_000 / 500_000, 12);
    expect(valueOf(r, 'recovery_rate_90d')).toBeCloseTo(110_000 / 500_000, 12);
    expect(valueOf(r, 'promises_kept')).toBe(1);
    expect(valueOf(r, 'offers_expired')).toBe(2); // B's settlement in January, A's plan in February
    expect(valueOf(await inOrder.kpis(FEB_MAR), 'offers_expired')).toBe(1);
  });

  it("counts the offers held for a supervisor, the supervisors' decisions and the share approved", async () => {
    const q1 = await inOrder.kpis(Q1);
    // Held: B's 01-17 (announced), A's 02-17 (known from its expiry only), A's 02-25, C's 03-05, B's 03-30.
    expect(valueOf(q1, 'offers_held')).toBe(5);
    expect([valueOf(q1, 'offers_approved'), valueOf(q1, 'offers_rejected')]).toEqual([1, 1]);
    expect(valueOf(q1, 'offer_approval_rate')).toBe(0.25); // A's 02-25 approved; C's rejected; two expired
    expect(q1.kpis.find((k) => k.name === 'offer_approval_rate')?.inputs).toBe('approved=1 rejected=1 expired=2');
    const febMar = await inOrder.kpis(FEB_MAR);
    expect(valueOf(febMar, 'offers_held')).toBe(4);
    expect(valueOf(febMar, 'offer_approval_rate')).toBeCloseTo(1 / 3, 12);
    const january = await inOrder.kpis({ fromDate: '2026-01-01', toDate: '2026-01-31' });
    expect(valueOf(january, 'offers_held')).toBe(1);
    expect(valueOf(january, 'offer_approval_rate')).toBe(0); // B's expired, none approved
    const march = await inOrder.kpis({ fromDate: '2026-03-01', toDate: '2026-03-31' });
    expect(valueOf(march, 'offers_rejected')).toBe(1); // C's, decided on 03-06
    expect(valueOf(march, 'offers_approved')).toBe(0); // A's was approved on 02-26
    expect(valueOf(march, 'offer_approval_rate')).toBe(0);
    const m2 = await inOrder.kpis({ ...Q1, modelVersion: 'm2' }); // A: two held, one approved, one expired
    expect([valueOf(m2, 'offers_held'), valueOf(m2, 'offers_approved'), valueOf(m2, 'offer_approval_rate')]).toEqual([
      2, 1, 0.5,
    ]);
    const quiet = await inOrder.kpis({ fromDate: '2026-01-21', toDate: '2026-02-16' });
    expect(valueOf(quiet, 'offers_held')).toBe(0);
    expect(valueOf(quiet, 'offer_approval_rate')).toBeUndefined(); // no held offer ended
  });

  it('computes roll rates, cure rate, CEI and DSO between the start and the end of a period', async () => {
    const r = await inOrder.kpis(FEB_MAR);
    // On 01-31 A and B were 1-30 (C not yet placed); on 03-31 A is current, B 31-60, C 1-30.
    expect(rollRate(r, '1-30', 'current')).toBe(0.5);
    expect(rollRate(r, '1-30', '31-60')).toBe(0.5);
    expect(rollRate(r, '1-30', '1-30')).toBe(0);
    expect(rollRate(r, 'current', 'current')).toBeUndefined(); // no account was current on 01-31
    expect(valueOf(r, 'cure_rate')).toBe(0.5);
    // Receivable 01-31: A 800 + B 3,000; billed 800 + 1,000; 03-31: A 500 + B 2,400 + C 1,000;
    // collected in Feb-Mar: B 600 + A 300 (B's 100 was reversed).
    expect(valueOf(r, 'collected_minor')).toBe(90_000);
    expect(valueOf(r, 'collection_effectiveness_index')).toBeCloseTo(90_000 / (380_000 + 180_000 - 390_000), 12);
    expect(valueOf(r, 'days_sales_outstanding')).toBeCloseTo((390_000 / 180_000) * 59, 9);
    expect(valueOf(r, 'contact_attempts')).toBe(3);
    expect(valueOf(r, 'promise_kept_rate')).toBe(0.5); // A's kept (late), B's broken
    // Debtors contacted: d-A and d-B by call, d-C by SMS; d-C then withdrew SMS consent (told by the
    // ledger and by the orchestrator: one opt-out), d-B opted out of calls with the orchestrator.
    expect(valueOf(r, 'opt_out_rate')).toBeCloseTo(2 / 3, 12);
  });

  it("computes the contact KPIs from the orchestrator's decisions, sends and call outcomes", async () => {
    const r = await inOrder.kpis(FEB_MAR);
    // Call outcomes: A no answer, A promise, B refusal, B wrong party: the debtor was reached twice.
    expect(valueOf(r, 'right_party_contact_rate')).toBe(0.5);
    expect(valueOf(r, 'promise_to_pay_rate')).toBe(0.5);
    // Refused: dec-2 (quiet-hours, frequency-cap) and dec-5 (quiet-hours).
    expect(valueOf(r, 'contacts_denied')).toBe(2);
    expect(valueOf(r, 'contacts_denied:quiet-hours')).toBe(2);
    expect(valueOf(r, 'contacts_denied:frequency-cap')).toBe(1);
    // Sent: 2 calls at the default 150 and 1 SMS at 5; collected 90,000 in Feb-Mar.
    expect(valueOf(r, 'cost_per_unit_collected')).toBeCloseTo(305 / 90_000, 12);
    expect(r.kpis.find((k) => k.name === 'cost_per_unit_collected')?.inputs).toBe(
      'cost=305 collected=90000 sent=CHANNEL_CALL=2x150 CHANNEL_SMS=1x5',
    );
    // In February only: the first three call outcomes, dec-2, no payment of C's SMS yet.
    const feb = await inOrder.kpis({ fromDate: '2026-02-01', toDate: '2026-02-05' });
    expect(valueOf(feb, 'right_party_contact_rate')).toBe(0.5); // A no answer, B refusal
    expect(valueOf(feb, 'contacts_denied')).toBe(1);
    expect(valueOf(feb, 'cost_per_unit_collected')).toBeUndefined(); // nothing collected yet
  });

  it('filters by the latest segment, the scoring model version and the contact channel', async () => {
    expect((await inOrder.kpis({ ...Q1, segment: 'SEGMENT_NEGOTIATE' })).accounts).toBe(1); // B: A moved on
    const m2 = await inOrder.kpis({ ...Q1, modelVersion: 'm2' });
    expect(m2.accounts).toBe(1);
    expect(valueOf(m2, 'offers_expired')).toBe(1); // A's
    expect(valueOf(await inOrder.kpis({ ...Q1, segment: 'SEGMENT_NEGOTIATE' }), 'offers_expired')).toBe(1); // B's
    expect(valueOf(m2, 'recovery_rate')).toBeCloseTo(50_000 / 100_000, 12);
    const calls = await inOrder.kpis({ ...FEB_MAR, channel: 'CHANNEL_CALL' });
    expect(valueOf(calls, 'contact_attempts')).toBe(2);
    expect(valueOf(calls, 'opt_out_rate')).toBe(0.5); // d-A and d-B called; d-B opted out of calls
    expect(valueOf(calls, 'contacts_denied')).toBe(0);
    expect(valueOf(calls, 'right_party_contact_rate')).toBe(0.5);
    expect(valueOf(calls, 'cost_per_unit_collected')).toBeCloseTo(300 / 90_000, 12);
    const sms = await inOrder.kpis({ ...FEB_MAR, channel: 'CHANNEL_SMS' });
    expect(valueOf(sms, 'right_party_contact_rate')).toBeUndefined(); // call outcomes only with calls
    expect(valueOf(sms, 'contacts_denied:quiet-hours')).toBe(2);
  });

  it('gives identical KPIs when the same events arrive shuffled, redelivered, republished and late', async () => {
    const late = new Set([
      'evt-4', // a first score
      'evt-7', // an opening balance
      ...events.filter((e) => e.type === 'collections.orchestrator.v1.CallOutcomeRecorded').map((e) => e.id),
      events.find((e) => e.type === 'collections.orchestrator.v1.ContactSent')!.id,
    ]);
    const early = shuffled(
      events.filter((e) => !late.has(e.id)),
      20_260_301,
    );
    for (let i = 0; i < early.length; i += 7) await replayed.deliver(early.slice(i, i + 7));
    await replayed.deliver(shuffled(events, 7).slice(0, 12)); // redelivered: the inbox drops them
    await replayed.deliver(shuffled(events, 11).slice(0, 12), (e) => `republished-${e.id}`); // new ids, same facts
    await replayed.deliver(events.filter((e) => late.has(e.id)));

    for (const q of QUERIES) expect(await replayed.kpis(q)).toEqual(await inOrder.kpis(q));
  });

  it('refuses a period that ends before it starts', async () => {
    await expect(inOrder.kpis({ fromDate: '2026-03-01', toDate: '2026-02-01' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });

  it("answers only from the caller's tenant", async () => {
    const other = await inOrder.kpis(Q1, inOrder.sut.otherApiKey);
    expect(other.accounts).toBe(0);
    expect(valueOf(other, 'recovery_rate')).toBeUndefined();
  });

  it('answers the same over REST, and exports the KPI table as CSV', async () => {
    const url = `${inOrder.sut.app.httpUrl}/v1/reporting/kpis?from_date=2026-01-01&to_date=2026-03-31`;
    const headers = { 'x-api-key': inOrder.sut.apiKey };
    const rest = await fetch(url, { headers });
    expect(rest.status).toBe(200);
    expect(reporting.GetKpisResponse.fromJSON(await rest.json())).toEqual(await inOrder.kpis(Q1));

    const csv = await fetch(url.replace('/kpis?', '/kpis.csv?'), { headers });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('kpi,value,from_date,to_date,currency,inputs');
    expect(lines).toContain(
      'recovery_rate_30d,0.04,2026-01-01,2026-03-31,USD,collected=20000 placed=500000 accounts=3',
    );

    const bad = await fetch(url.replace('2026-03-31', '2025-12-31'), { headers });
    expect(bad.status).toBe(400);
  });
});
