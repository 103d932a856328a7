import { ServiceError, status } from '@grpc/grpc-js';
import { decodePayload, ledger } from '@collections/contracts';
import { API_KEY_HEADER, metadataFromPrincipalHeaders } from '@collections/platform';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

/**
 * SetContactPreferences and its REST twin: the debtor's inconvenient times (Regulation F
 * §1006.6(b)(1)(i)) recorded without the rest of the debtor, validated as UpsertDebtor validates
 * them, and published on the DebtorUpserted the orchestrator already reads.
 */
describe('recording a debtor’s contact preferences alone (ledger API, real PostgreSQL)', () => {
  let api: LedgerApi;
  let n = 0;

  beforeAll(async () => {
    api = await startLedgerApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const EVENINGS: ledger.InconvenientTime[] = [{ day: 'mon', from: '20:00', to: '08:00', channels: [] }];

  /** A debtor on record with a name, a national id, contact points (one a forbidden workplace) and times. */
  async function onRecord(): Promise<ledger.Debtor> {
    const d = ledger.Debtor.fromPartial({
      debtorId: `set-prefs-${++n}`,
      kind: 'person',
      displayName: 'Rosa Tarde',
      nationalId: '900100200',
      timeZone: 'America/Chicago',
      language: 'en',
      country: 'US',
      region: 'IL',
      contactPoints: [
        { type: 'phone', value: '+13125550111', verified: true, consentedChannels: ['call'] },
        {
          type: 'email',
          value: 'rosa@work.example.com',
          verified: true,
          consentedChannels: ['email'],
          workplaceForbidden: true,
        },
      ],
      contactPreferences: { inconvenientTimes: EVENINGS },
    });
    await api.client.upsertDebtor({ debtor: d }, api.md());
    return d;
  }

  const set = (debtorId: string, inconvenientTimes: ledger.InconvenientTime[], md = api.md()) =>
    api.client.setContactPreferences({ debtorId, contactPreferences: { inconvenientTimes } }, md);

  const outcome = (call: Promise<unknown>) =>
    call.then(
      (value) => ({ code: status.OK, details: '', value }),
      (err: ServiceError) => ({ code: err.code, details: err.details, value: undefined }),
    );

  const putOverRest = async (debtorId: string, body: unknown, apiKey = api.sut.apiKey) => {
    const res = await fetch(
      `${api.sut.app.httpUrl}/v1/ledger/debtors/${encodeURIComponent(debtorId)}/contact-preferences`,
      {
        method: 'PUT',
        headers: { [API_KEY_HEADER]: apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
    );
    return { status: res.status, body: (await res.json()) as { changed?: boolean; message?: string } };
  };

  /** The DebtorUpserted events the ledger published about the debtor (its outbox), oldest first. */
  const published = async (debtorId: string) =>
    (
      (await api.sut.dataSource.query(
        `SELECT payload FROM ledger.outbox WHERE key = $1 AND headers->>'ce_type' = $2 ORDER BY id`,
        [debtorId, 'collections.ledger.v1.DebtorUpserted'],
      )) as { payload: Buffer }[]
    ).map((r) => decodePayload('collections.ledger.v1.DebtorUpserted', r.payload));

  const exported = async (debtorId: string) =>
    (await api.client.exportDebtor({ debtorId }, api.md())).debtor as ledger.Debtor;

  it('replaces only the times: the debtor is exported with them and otherwise as before, and DebtorUpserted carries them with the debtor’s facts as stored', async () => {
    const d = await onRecord();
    // A consent withdrawn since the upsert: the event carries the consents as they are now.
    await api.client.recordConsent(
      { debtorId: d.debtorId, channel: 'call', granted: false, source: 'debtor' },
      api.md(),
    );
    const before = await exported(d.debtorId);
    const weekdayMornings: ledger.InconvenientTime[] = [
      { day: 'tue', from: '00:00', to: '18:00', channels: ['sms', 'call', 'sms'] },
      { day: 'wed', from: '00:00', to: '18:00', channels: [] },
    ];

    expect(await set(d.debtorId, weekdayMornings)).toEqual({ changed: true });

    const stored = [
      { day: 'tue', from: '00:00', to: '18:00', channels: ['call', 'sms'] },
      { day: 'wed', from: '00:00', to: '18:00', channels: [] },
    ];
    expect(await exported(d.debtorId)).toEqual({ ...before, contactPreferences: { inconvenientTimes: stored } });
    const events = await published(d.debtorId);
    expect(events).toHaveLength(2);
    expect(events[1]).toEqual({
      debtorId: d.debtorId,
      timeZone: 'America/Chicago',
      language: 'en',
      country: 'US',
      region: 'IL',
      consentedChannels: ['email'],
      erased: false,
      contactLimits: { inconvenientTimes: stored, workplaceForbiddenChannels: ['email'] },
    });
  });

  it('answers changed: false and publishes nothing when the times are those on record', async () => {
    const d = await onRecord();
    expect(await set(d.debtorId, EVENINGS)).toEqual({ changed: false });
    expect(await putOverRest(d.debtorId, { contactPreferences: { inconvenientTimes: EVENINGS } })).toEqual({
      status: 200,
      body: { changed: false },
    });
    expect(await published(d.debtorId)).toHaveLength(1);
  });

  it('clears the times with an empty list over REST, and publishes that none are left', async () => {
    const d = await onRecord();
    expect(await putOverRest(d.debtorId, { contactPreferences: { inconvenientTimes: [] } })).toEqual({
      status: 200,
      body: { changed: true },
    });
    expect((await exported(d.debtorId)).contactPreferences?.inconvenientTimes ?? []).toEqual([]);
    expect((await published(d.debtorId)).map((e) => e.contactLimits?.inconvenientTimes)).toEqual([EVENINGS, []]);
    // Cleared again: nothing left to change.
    expect(await set(d.debtorId, [])).toEqual({ changed: false });
  });

  it('refuses a bad window with INVALID_ARGUMENT (gRPC) and 400 (REST) naming the field, and writes nothing', async () => {
    const d = await onRecord();
    const cases: [ledger.InconvenientTime, RegExp][] = [
      [
        { day: 'weekdays', from: '09:00', to: '18:00', channels: [] },
        /contact_preferences\.inconvenient_times\[1\]\.day/,
      ],
      [{ day: 'tue', from: '6 pm', to: '08:00', channels: [] }, /inconvenient_times\[1\]\.from/],
      [{ day: 'tue', from: '18:00', to: '24:30', channels: [] }, /inconvenient_times\[1\]\.to/],
      [{ day: 'tue', from: '18:00', to: '18:00', channels: [] }, /inconvenient_times\[1\]\.to must differ/],
      [{ day: 'tue', from: '18:00', to: '08:00', channels: ['fax'] }, /inconvenient_times\[1\]\.channels/],
    ];
    for (const [bad, field] of cases) {
      const times = [{ day: 'mon', from: '18:00', to: '08:00', channels: [] }, bad];
      expect(await outcome(set(d.debtorId, times))).toEqual({
        code: status.INVALID_ARGUMENT,
        details: expect.stringMatching(field),
        value: undefined,
      });
      expect(await putOverRest(d.debtorId, { contactPreferences: { inconvenientTimes: times } })).toEqual({
        status: 400,
        body: expect.objectContaining({ message: expect.stringMatching(field) }),
      });
    }
    expect((await exported(d.debtorId)).contactPreferences?.inconvenientTimes).toEqual(EVENINGS);
    expect(await published(d.debtorId)).toHaveLength(1);
  });

  it('answers NOT_FOUND (404) for an unknown debtor and for another tenant’s, whose times stay', async () => {
    expect(await outcome(set('nobody-here', EVENINGS))).toMatchObject({ code: status.NOT_FOUND });
    expect((await putOverRest('nobody-here', { contactPreferences: { inconvenientTimes: [] } })).status).toBe(404);

    const d = await onRecord();
    const otherTenant = metadataFromPrincipalHeaders({ apiKey: api.sut.otherApiKey });
    expect(await outcome(set(d.debtorId, [], otherTenant))).toMatchObject({ code: status.NOT_FOUND });
    expect(
      (await putOverRest(d.debtorId, { contactPreferences: { inconvenientTimes: [] } }, api.sut.otherApiKey)).status,
    ).toBe(404);
    expect((await exported(d.debtorId)).contactPreferences?.inconvenientTimes).toEqual(EVENINGS);
    expect(await published(d.debtorId)).toHaveLength(1);
  });

  it('refuses an erased debtor with FAILED_PRECONDITION (422), keeping no times and publishing nothing', async () => {
    const d = await onRecord();
    await api.client.eraseDebtor({ debtorId: d.debtorId, reason: 'data-subject request' }, api.md());
    const afterErasure = (await published(d.debtorId)).length;

    expect(await outcome(set(d.debtorId, EVENINGS))).toMatchObject({ code: status.FAILED_PRECONDITION });
    expect((await putOverRest(d.debtorId, { contactPreferences: { inconvenientTimes: EVENINGS } })).status).toBe(422);
    expect((await exported(d.debtorId)).contactPreferences?.inconvenientTimes ?? []).toEqual([]);
    expect(await published(d.debtorId)).toHaveLength(afterErasure);
  });

  it('loses neither change when an upsert without times and SetContactPreferences run at the same time', async () => {
    const d = await onRecord();
    const late: ledger.InconvenientTime[] = [{ day: 'fri', from: '21:00', to: '09:00', channels: [] }];
    const renamed = {
      ...d,
      displayName: 'Rosa Tarde Ruiz',
      timeZone: 'America/New_York',
      contactPreferences: undefined,
      contactPoints: [
        ...d.contactPoints,
        { type: 'phone', value: '+13125550112', verified: false, consentedChannels: ['sms'] },
      ],
    };
    await Promise.all([api.client.upsertDebtor({ debtor: renamed }, api.md()), set(d.debtorId, late)]);

    const after = await exported(d.debtorId);
    expect({
      name: after.displayName,
      phones: after.contactPoints.filter((p) => p.type === 'phone').length,
      times: after.contactPreferences?.inconvenientTimes,
    }).toEqual({ name: 'Rosa Tarde Ruiz', phones: 2, times: late });
    // Whichever committed last, the last event carries both: the upsert's facts and the new times.
    const last = (await published(d.debtorId)).at(-1);
    expect({
      timeZone: last?.timeZone,
      consents: [...(last?.consentedChannels ?? [])].sort(),
      times: last?.contactLimits?.inconvenientTimes,
    }).toEqual({ timeZone: 'America/New_York', consents: ['call', 'email', 'sms'], times: late });
  });
});
