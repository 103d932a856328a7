import { ServiceError, status } from '@grpc/grpc-js';
import { decodePayload, ledger } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

/**
 * The debtor's own limits on contact (Regulation F §1006.6(b)(1)(i), (b)(3)) through UpsertDebtor
 * and its REST twin: validated, stored, exported and published on DebtorUpserted.
 */
describe('a debtor’s inconvenient times and forbidden workplace (ledger API, real PostgreSQL)', () => {
  let api: LedgerApi;
  let n = 0;

  beforeAll(async () => {
    api = await startLedgerApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const debtor = (over: Partial<ledger.Debtor> = {}): ledger.Debtor =>
    ledger.Debtor.fromPartial({
      debtorId: `prefs-${++n}`,
      kind: 'person',
      displayName: 'Dana Night',
      timeZone: 'America/Chicago',
      language: 'en',
      country: 'US',
      contactPoints: [
        { type: 'phone', value: '+13125550101', verified: true, consentedChannels: [], workplaceForbidden: true },
        { type: 'phone', value: '+13125550102', verified: false, consentedChannels: [] },
        {
          type: 'email',
          value: 'dana@work.example.com',
          verified: true,
          consentedChannels: [],
          workplaceForbidden: true,
        },
      ],
      contactPreferences: {
        inconvenientTimes: [
          { day: 'tue', from: '00:00', to: '10:00', channels: [] },
          { day: 'mon', from: '20:00', to: '13:00', channels: ['sms', 'call', 'sms'] },
        ],
      },
      ...over,
    });

  const published = async (debtorId: string) =>
    (
      (await api.sut.dataSource.query(
        `SELECT payload FROM ledger.outbox WHERE key = $1 AND headers->>'ce_type' = $2 ORDER BY id`,
        [debtorId, 'collections.ledger.v1.DebtorUpserted'],
      )) as { payload: Buffer }[]
    ).map((r) => decodePayload('collections.ledger.v1.DebtorUpserted', r.payload));

  it('keeps the times and the workplace flag, exports them, and publishes the times and the channels with only a forbidden workplace', async () => {
    const d = debtor();
    await api.client.upsertDebtor({ debtor: d }, api.md());

    const exported = await api.client.exportDebtor({ debtorId: d.debtorId }, api.md());
    expect(exported.debtor?.contactPreferences?.inconvenientTimes).toEqual([
      { day: 'tue', from: '00:00', to: '10:00', channels: [] },
      { day: 'mon', from: '20:00', to: '13:00', channels: ['call', 'sms'] },
    ]);
    expect(exported.debtor?.contactPoints.map((p) => [p.value, p.workplaceForbidden ?? false])).toEqual([
      ['+13125550101', true],
      ['+13125550102', false],
      ['dana@work.example.com', true],
    ]);
    // The home phone is not forbidden: only e-mail (their one address is the workplace's) is.
    expect((await published(d.debtorId)).map((e) => e.contactLimits)).toEqual([
      {
        inconvenientTimes: [
          { day: 'tue', from: '00:00', to: '10:00', channels: [] },
          { day: 'mon', from: '20:00', to: '13:00', channels: ['call', 'sms'] },
        ],
        workplaceForbiddenChannels: ['email'],
      },
    ]);
  });

  it('replaces the times and flags given on the next upsert; one without them (a client that predates them) keeps what is on record', async () => {
    const d = debtor();
    await api.client.upsertDebtor({ debtor: d }, api.md());
    // A CRM sync that knows nothing of the new fields: the times and the workplace flags stay.
    const unaware = {
      ...d,
      contactPreferences: undefined,
      contactPoints: d.contactPoints.map(({ workplaceForbidden: _, ...p }) => p),
    };
    await api.client.upsertDebtor({ debtor: unaware }, api.md());
    let exported = await api.client.exportDebtor({ debtorId: d.debtorId }, api.md());
    expect(exported.debtor?.contactPreferences?.inconvenientTimes).toHaveLength(2);
    expect(exported.debtor?.contactPoints.map((p) => p.workplaceForbidden ?? false)).toEqual([true, false, true]);
    // Given, they replace: no times, the work phone no longer forbidden.
    await api.client.upsertDebtor(
      {
        debtor: {
          ...unaware,
          contactPreferences: { inconvenientTimes: [] },
          contactPoints: unaware.contactPoints.map((p, i) => (i === 0 ? { ...p, workplaceForbidden: false } : p)),
        },
      },
      api.md(),
    );
    exported = await api.client.exportDebtor({ debtorId: d.debtorId }, api.md());
    expect(exported.debtor?.contactPreferences?.inconvenientTimes ?? []).toEqual([]);
    expect(exported.debtor?.contactPoints.map((p) => p.workplaceForbidden ?? false)).toEqual([false, false, true]);
    expect(
      (await published(d.debtorId)).map((e) => [
        e.contactLimits?.inconvenientTimes.length,
        e.contactLimits?.workplaceForbiddenChannels,
      ]),
    ).toEqual([
      [2, ['email']],
      [2, ['email']],
      [0, ['email']],
    ]);
  });

  it('refuses a bad window with INVALID_ARGUMENT (gRPC) and 400 (REST) naming the field, and stores nothing', async () => {
    const cases: [ledger.InconvenientTime, RegExp][] = [
      [{ day: 'tuesday', from: '09:00', to: '10:00', channels: [] }, /inconvenient_times\[0\]\.day/],
      [{ day: 'tue', from: '9:00', to: '10:00', channels: [] }, /inconvenient_times\[0\]\.from/],
      [{ day: 'tue', from: '24:00', to: '10:00', channels: [] }, /inconvenient_times\[0\]\.from/],
      [{ day: 'tue', from: '09:00', to: '25:00', channels: [] }, /inconvenient_times\[0\]\.to/],
      [{ day: 'tue', from: '10:00', to: '10:00', channels: [] }, /inconvenient_times\[0\]\.to must differ/],
      [{ day: 'tue', from: '09:00', to: '10:00', channels: ['fax'] }, /inconvenient_times\[0\]\.channels/],
    ];
    for (const [time, field] of cases) {
      const d = debtor({ contactPreferences: { inconvenientTimes: [time] } });
      const grpc = await api.client.upsertDebtor({ debtor: d }, api.md()).then(
        () => ({ code: status.OK, details: '' }),
        (err: ServiceError) => ({ code: err.code, details: err.details }),
      );
      expect(grpc).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(field) });

      const res = await fetch(`${api.sut.app.httpUrl}/v1/ledger/debtors/${d.debtorId}`, {
        method: 'PUT',
        headers: { [API_KEY_HEADER]: api.sut.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(ledger.Debtor.toJSON(d)),
      });
      const body = (await res.json()) as { message?: string };
      expect({ status: res.status, message: body.message }).toEqual({
        status: 400,
        message: expect.stringMatching(field),
      });
      const stored = await api.sut.dataSource.query(`SELECT 1 FROM ledger.debtor WHERE id = $1`, [d.debtorId]);
      expect(stored).toEqual([]);
    }
  });
});
