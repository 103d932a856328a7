import { ServiceError, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { publishedEvents } from '@collections/testing';
import { openFundedAccount } from './support/accounts';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const { BANKRUPTCY_CHAPTER_UNSPECIFIED, BANKRUPTCY_CHAPTER_7, BANKRUPTCY_CHAPTER_13 } = ledger.BankruptcyChapter;
const { HOLD_KIND_BANKRUPTCY, HOLD_KIND_DISPUTE } = ledger.HoldKind;

/**
 * A bankruptcy hold records its chapter (title 11 U.S.C.): whether the account's other parties are
 * stayed too turns on it (chapters 12 and 13 only), so the ledger keeps it, answers it and
 * publishes it with the hold.
 */
describe('a bankruptcy hold’s chapter (REST and gRPC, real PostgreSQL)', () => {
  let api: LedgerApi;
  let n = 0;

  beforeAll(async () => {
    api = await startLedgerApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  /** A debtor of their own (`d-<account>`), with one account. */
  const newDebtor = async () =>
    `d-${await openFundedAccount(api.client, api.md, { id: `chapter-${++n}`, opening: 10_000 })}`;

  async function rest(path: string, body: unknown) {
    const res = await fetch(`${api.sut.app.httpUrl}${path}`, {
      method: 'POST',
      headers: { [API_KEY_HEADER]: api.sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { holdId?: string; code?: string; message?: string } };
  }

  const grpcError = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  const hold = (debtorId: string, key: string, bankruptcyChapter = BANKRUPTCY_CHAPTER_13) => ({
    debtorId,
    kind: HOLD_KIND_BANKRUPTCY,
    source: 'court',
    startsOn: '2026-03-02',
    endsOn: '',
    idempotencyKey: key,
    bankruptcyChapter,
  });

  const stored = (debtorId: string) =>
    api.sut.dataSource.query(
      `SELECT kind, bankruptcy_chapter FROM ledger.debtor_hold WHERE debtor_id = $1 ORDER BY created_at, id`,
      [debtorId],
    ) as Promise<{ kind: number; bankruptcy_chapter: number | null }[]>;

  const holdsChanged = async (debtorId: string) =>
    (await publishedEvents(api.sut, 'ledger', 'collections.ledger.v1.HoldChanged'))
      .filter((e) => e.debtorId === debtorId)
      .map((e) => ({ kind: e.kind, active: e.active, bankruptcyChapter: e.bankruptcyChapter }));

  it('keeps a chapter 7 set over REST ("bankruptcyChapter": 7) with the hold, answers it in ExportDebtor and publishes it on HoldChanged, set and lifted', async () => {
    const debtorId = await newDebtor();
    const set = await rest(`/v1/ledger/debtors/${debtorId}/holds`, {
      kind: 'HOLD_KIND_BANKRUPTCY',
      source: 'court',
      startsOn: '2026-03-02',
      idempotencyKey: `ch7-${debtorId}`,
      bankruptcyChapter: 7,
    });
    expect(set.status).toBe(201);
    await api.client.liftHold({ holdId: set.body.holdId!, reason: 'case dismissed' }, api.md());

    expect(await stored(debtorId)).toEqual([{ kind: HOLD_KIND_BANKRUPTCY, bankruptcy_chapter: 7 }]);
    expect(await holdsChanged(debtorId)).toEqual([
      { kind: HOLD_KIND_BANKRUPTCY, active: true, bankruptcyChapter: BANKRUPTCY_CHAPTER_7 },
      { kind: HOLD_KIND_BANKRUPTCY, active: false, bankruptcyChapter: BANKRUPTCY_CHAPTER_7 },
    ]);
    const exported = await api.client.exportDebtor({ debtorId }, api.md());
    expect(exported.holds.map((h) => [h.kind, h.bankruptcyChapter])).toEqual([
      [HOLD_KIND_BANKRUPTCY, BANKRUPTCY_CHAPTER_7],
    ]);
  });

  it('keeps a chapter 13 set over gRPC, and none for a bankruptcy of no chapter on record or a dispute', async () => {
    const debtorId = await newDebtor();
    await api.client.setHold(hold(debtorId, `ch13-${debtorId}`), api.md());
    await api.client.setHold(hold(debtorId, `unknown-${debtorId}`, BANKRUPTCY_CHAPTER_UNSPECIFIED), api.md());
    await api.client.setHold({ ...hold(debtorId, `dispute-${debtorId}`, 0), kind: HOLD_KIND_DISPUTE }, api.md());

    expect(await stored(debtorId)).toEqual([
      { kind: HOLD_KIND_BANKRUPTCY, bankruptcy_chapter: 13 },
      { kind: HOLD_KIND_BANKRUPTCY, bankruptcy_chapter: null },
      { kind: HOLD_KIND_DISPUTE, bankruptcy_chapter: null },
    ]);
    expect((await holdsChanged(debtorId)).map((e) => e.bankruptcyChapter)).toEqual([
      BANKRUPTCY_CHAPTER_13,
      BANKRUPTCY_CHAPTER_UNSPECIFIED,
      BANKRUPTCY_CHAPTER_UNSPECIFIED,
    ]);
    const exported = await api.client.exportDebtor({ debtorId }, api.md());
    expect(exported.holds.map((h) => h.bankruptcyChapter)).toEqual([
      BANKRUPTCY_CHAPTER_13,
      BANKRUPTCY_CHAPTER_UNSPECIFIED,
      BANKRUPTCY_CHAPTER_UNSPECIFIED,
    ]);
  });

  it('refuses a chapter on a hold that is no bankruptcy, or a chapter that is none, naming the field, and stores nothing', async () => {
    const debtorId = await newDebtor();
    const disputeWithChapter = await rest(`/v1/ledger/debtors/${debtorId}/holds`, {
      kind: 'HOLD_KIND_DISPUTE',
      source: 'debtor',
      startsOn: '2026-03-02',
      idempotencyKey: `dispute-${debtorId}`,
      bankruptcyChapter: 'BANKRUPTCY_CHAPTER_13',
    });
    expect(disputeWithChapter).toEqual({
      status: 400,
      body: expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^bankruptcy_chapter /),
      }),
    });
    const noChapter = await rest(`/v1/ledger/debtors/${debtorId}/holds`, {
      kind: 'HOLD_KIND_BANKRUPTCY',
      source: 'court',
      startsOn: '2026-03-02',
      idempotencyKey: `ch9-${debtorId}`,
      bankruptcyChapter: 9,
    });
    expect(noChapter).toEqual({
      status: 400,
      body: expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^bankruptcy_chapter /),
      }),
    });

    expect(
      await grpcError(
        api.client.setHold({ ...hold(debtorId, `g-dispute-${debtorId}`), kind: HOLD_KIND_DISPUTE }, api.md()),
      ),
    ).toEqual({ code: status.INVALID_ARGUMENT, details: 'bankruptcy_chapter is only for a HOLD_KIND_BANKRUPTCY hold' });
    expect(
      await grpcError(api.client.setHold(hold(debtorId, `g-ch9-${debtorId}`, 9 as ledger.BankruptcyChapter), api.md())),
    ).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'bankruptcy_chapter must be a BankruptcyChapter (7, 11, 12 or 13)',
    });
    expect(await stored(debtorId)).toEqual([]);
    expect(await holdsChanged(debtorId)).toEqual([]);
  });

  it('answers a SetHold sent again with the hold it opened, and refuses its key for another chapter', async () => {
    const debtorId = await newDebtor();
    const request = hold(debtorId, `again-${debtorId}`);
    const first = await api.client.setHold(request, api.md());
    expect(await api.client.setHold(request, api.md())).toEqual({ holdId: first.holdId, replayed: true });
    expect(
      await grpcError(api.client.setHold({ ...request, bankruptcyChapter: BANKRUPTCY_CHAPTER_7 }, api.md())),
    ).toEqual({ code: status.ABORTED, details: 'idempotency_key was already used for another hold' });
    expect(await stored(debtorId)).toEqual([{ kind: HOLD_KIND_BANKRUPTCY, bankruptcy_chapter: 13 }]);
    expect(await holdsChanged(debtorId)).toHaveLength(1);
  });
});
