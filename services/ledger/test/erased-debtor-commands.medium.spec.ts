import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { GenericImporter } from '../src/imports/generic-importer';
import { UciImporter } from '../src/imports/uci-importer';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const UCI_HEADER = 'ID,X1,X2,X3,X4,X5,X6,X7,X8,X9,X10,X11,X12,X13,X14,X15,X16,X17,X18,X19,X20,X21,X22,X23,Y';

/** What every refusal on an erased debtor ends with: what to do instead. */
const NEW_RELATIONSHIP = 'a new relationship with the person takes a new debtor id';

/**
 * An erasure is for good: a command that would write an erased person's data again, or publish
 * them to the orchestrator (which forgot them), is refused (FAILED_PRECONDITION, HTTP 422) with
 * the same words wherever it comes from (a CRM sync, an agent, an import), writing nothing and
 * publishing nothing. A hold, which only restricts contact, is still recorded.
 */
describe('commands on an erased debtor (ledger API and import, real PostgreSQL)', () => {
  let api: LedgerApi;
  let n = 0;

  beforeAll(async () => {
    api = await startLedgerApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const person = (debtorId: string) =>
    ledger.Debtor.fromPartial({
      debtorId,
      kind: 'person',
      displayName: 'Marta Olvido',
      nationalId: '52100300',
      timeZone: 'America/Bogota',
      language: 'es',
      country: 'CO',
      region: 'DC',
      contactPoints: [
        { type: 'phone', value: '+573001112233', verified: true, consentedChannels: ['call', 'sms'] },
        { type: 'email', value: 'marta@example.com', verified: true, consentedChannels: ['email'] },
      ],
    });

  /** A debtor upserted, then erased on a data-subject request: their id. */
  async function erasedDebtor(): Promise<string> {
    const debtorId = `erased-${++n}`;
    await api.client.upsertDebtor({ debtor: person(debtorId) }, api.md());
    await api.client.eraseDebtor({ debtorId, reason: 'data-subject request' }, api.md());
    return debtorId;
  }

  const outcome = (call: Promise<unknown>) =>
    call.then(
      (value) => ({ code: status.OK, details: '', value }),
      (err: ServiceError) => ({ code: err.code, details: err.details, value: undefined }),
    );

  const rest = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${api.sut.app.httpUrl}/v1/ledger/${path}`, {
      method,
      headers: { [API_KEY_HEADER]: api.sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** The debtor's rows as stored (the ciphertexts as bytes), to show nothing was written. */
  const stored = async (debtorId: string) => ({
    debtor: (await api.sut.dataSource.query(
      `SELECT kind, display_name_enc, national_id_enc, time_zone, language, country, region, inconvenient_times, updated_at
         FROM ledger.debtor WHERE id = $1`,
      [debtorId],
    )) as unknown[],
    contactPoints: (await api.sut.dataSource.query(
      `SELECT seq, type, value_enc, verified, consented_channels FROM ledger.contact_point WHERE debtor_id = $1 ORDER BY seq`,
      [debtorId],
    )) as unknown[],
    accounts: (await api.sut.dataSource.query(`SELECT account_id FROM ledger.account_debtor WHERE debtor_id = $1`, [
      debtorId,
    ])) as unknown[],
  });

  /** The events the ledger published (its outbox) keyed by `key`, by type, oldest first. */
  const published = async (key: string) =>
    (
      (await api.sut.dataSource.query(
        `SELECT headers->>'ce_type' AS type FROM ledger.outbox WHERE key = $1 ORDER BY id`,
        [key],
      )) as { type: string }[]
    ).map((r) => r.type);

  const exported = async (debtorId: string) => await api.client.exportDebtor({ debtorId }, api.md());

  it('refuses UpsertDebtor of an erased debtor (a CRM sync re-sending them), over gRPC and REST, keeping them pseudonymised and publishing nothing', async () => {
    const debtorId = await erasedDebtor();
    const before = await stored(debtorId);
    const events = await published(debtorId);

    const grpc = await outcome(api.client.upsertDebtor({ debtor: person(debtorId) }, api.md()));
    const { debtorId: _, ...body } = ledger.Debtor.toJSON(person(debtorId)) as Record<string, unknown>;
    const overRest = await rest('PUT', `debtors/${debtorId}`, body);

    expect(grpc).toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: `debtor ${debtorId} was erased: its personal data is not written again; ${NEW_RELATIONSHIP}`,
    });
    expect(overRest.status).toBe(422);
    expect(overRest.body.message).toBe(grpc.details);
    expect(await stored(debtorId)).toEqual(before);
    expect(await published(debtorId)).toEqual(events);
    const after = await exported(debtorId);
    expect({
      erased: after.erased,
      name: after.debtor?.displayName,
      nationalId: after.debtor?.nationalId,
      contacts: after.debtor?.contactPoints.map((c) => [c.value, c.consentedChannels]),
    }).toEqual({
      erased: true,
      name: 'erased',
      nationalId: '',
      contacts: [
        ['erased:1', []],
        ['erased:2', []],
      ],
    });
  });

  it('refuses a consent given to an erased debtor, and takes a withdrawal as done, writing and publishing nothing either way', async () => {
    const debtorId = await erasedDebtor();
    const before = await stored(debtorId);
    const events = await published(debtorId);

    const granted = await outcome(
      api.client.recordConsent({ debtorId, channel: 'call', granted: true, source: 'crm' }, api.md()),
    );
    const grantedOverRest = await rest('POST', `debtors/${debtorId}/consents`, {
      channel: 'sms',
      granted: true,
      source: 'crm',
    });
    const withdrawn = await api.client.recordConsent(
      { debtorId, channel: 'email', granted: false, source: 'debtor' },
      api.md(),
    );

    expect(granted).toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: `debtor ${debtorId} was erased: no consent is recorded for it; ${NEW_RELATIONSHIP}`,
    });
    expect(grantedOverRest).toMatchObject({ status: 422, body: { message: granted.details } });
    expect(withdrawn).toEqual({ consentedChannels: [] });
    expect(await stored(debtorId)).toEqual(before);
    expect(await published(debtorId)).toEqual(events);
  });

  it('answers UpsertDebtor, RecordConsent and SetContactPreferences alike: the debtor was erased, and what to do instead', async () => {
    const debtorId = await erasedDebtor();
    const refusals = await Promise.all([
      outcome(api.client.upsertDebtor({ debtor: person(debtorId) }, api.md())),
      outcome(api.client.recordConsent({ debtorId, channel: 'call', granted: true, source: 'crm' }, api.md())),
      outcome(api.client.setContactPreferences({ debtorId, contactPreferences: { inconvenientTimes: [] } }, api.md())),
    ]);
    for (const refusal of refusals) {
      expect(refusal.code).toBe(status.FAILED_PRECONDITION);
      expect(refusal.details).toMatch(new RegExp(`^debtor ${debtorId} was erased: .+; ${NEW_RELATIONSHIP}$`));
    }
  });

  it('opens no account for an erased debtor, alone or with another debtor, over gRPC and REST', async () => {
    const debtorId = await erasedDebtor();
    const coDebtor = `co-debtor-${++n}`;
    await api.client.upsertDebtor({ debtor: { ...person(coDebtor), contactPoints: [] } }, api.md());
    const request = (accountId: string, debtorIds: string[]) =>
      ledger.OpenAccountRequest.fromPartial({
        accountId,
        externalRef: `crm-${accountId}`,
        product: ledger.Product.PRODUCT_PERSONAL_LOAN,
        currency: 'COP',
        openedOn: '2026-01-01',
        timeZone: 'America/Bogota',
        debtors: debtorIds.map((id) => ({ debtorId: id, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY })),
      });

    const alone = await outcome(api.client.openAccount(request(`acc-${debtorId}`, [debtorId]), api.md()));
    const joint = await outcome(api.client.openAccount(request(`joint-${debtorId}`, [coDebtor, debtorId]), api.md()));
    const overRest = await rest(
      'POST',
      'accounts',
      ledger.OpenAccountRequest.toJSON(request(`rest-${debtorId}`, [debtorId])),
    );

    const refused = `debtor ${debtorId} was erased: no account is opened for it; ${NEW_RELATIONSHIP}`;
    expect(alone).toMatchObject({ code: status.FAILED_PRECONDITION, details: refused });
    expect(joint).toMatchObject({ code: status.FAILED_PRECONDITION, details: refused });
    expect(overRest).toMatchObject({ status: 422, body: { message: refused } });
    expect((await stored(debtorId)).accounts).toEqual([]);
    expect((await stored(coDebtor)).accounts).toEqual([]);
    for (const accountId of [`acc-${debtorId}`, `joint-${debtorId}`, `rest-${debtorId}`])
      expect(await published(accountId)).toEqual([]);
  });

  it('still records a hold on an erased debtor, and lifts it: a hold only restricts contact', async () => {
    const debtorId = await erasedDebtor();
    const hold = await api.client.setHold(
      ledger.SetHoldRequest.fromPartial({
        debtorId,
        kind: ledger.HoldKind.HOLD_KIND_CEASE_COMMUNICATION,
        source: 'legal',
        startsOn: '2026-01-02',
        idempotencyKey: `cease-${debtorId}`,
      }),
      api.md(),
    );
    expect(hold.replayed).toBe(false);
    expect(await api.client.liftHold({ holdId: hold.holdId, reason: 'withdrawn by counsel' }, api.md())).toEqual({
      lifted: true,
    });
    const after = await exported(debtorId);
    expect(after.holds.map((h) => ({ id: h.holdId, lifted: h.liftedAt !== undefined }))).toEqual([
      { id: hold.holdId, lifted: true },
    ]);
    expect(after.erased).toBe(true);
  });

  it('rejects an import line opening an account for an erased debtor, quarantined without the person’s data, and imports the others', async () => {
    const debtorId = await erasedDebtor();
    const tenantId = api.sut.tenant;
    const importer = new GenericImporter(api.sut.context);
    const account = (externalRef: string, debtor: string) => ({
      record: 'account',
      external_ref: externalRef,
      debtor_id: debtor,
      debtor_kind: 'person',
      debtor_name: 'Marta Olvido',
      debtor_country: 'CO',
      product: 'credit_card',
      currency: 'COP',
      opened_on: '2025-01-10',
    });
    const file = join(mkdtempSync(join(tmpdir(), 'erased-')), 'crm-export.ndjson');
    writeFileSync(
      file,
      [account(`X-${debtorId}`, debtorId), account(`Y-${debtorId}`, `new-${debtorId}`)]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );

    const job = await importer.run('ndjson', { tenantId, file });

    expect(job).toMatchObject({ status: 'completed', acceptedRows: 1, rejectedRows: 1, createdAccounts: 1 });
    expect(await importer.rejections(tenantId, job.jobId)).toEqual([
      {
        lineNo: 1,
        reason: `debtor ${debtorId} was erased: no account is opened for it; ${NEW_RELATIONSHIP}`,
        raw: 'erased',
      },
    ]);
    expect((await stored(debtorId)).accounts).toEqual([]);
    expect((await exported(debtorId)).debtor?.displayName).toBe('erased');
    expect((await stored(`new-${debtorId}`)).accounts).toEqual([{ account_id: `ext:Y-${debtorId}` }]);
  });

  it('rejects a UCI line whose client is an erased debtor without an account, and imports the others', async () => {
    // A debtor the API keeps under the id a UCI client's account and debtor take (`uci-<ID>`).
    const debtorId = 'uci-900001';
    await api.client.upsertDebtor({ debtor: person(debtorId) }, api.md());
    await api.client.eraseDebtor({ debtorId, reason: 'data-subject request' }, api.md());
    const tenantId = api.sut.tenant;
    const importer = new UciImporter(api.sut.context);
    const history = '20000,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0,0,1';
    const file = join(mkdtempSync(join(tmpdir(), 'erased-uci-')), 'train.csv');
    writeFileSync(file, [UCI_HEADER, `900001,${history}`, `900002,${history}`].join('\n'));

    const job = await importer.run({ tenantId, file });

    expect(job).toMatchObject({ status: 'completed', acceptedRows: 1, rejectedRows: 1, createdAccounts: 1 });
    expect(await importer.rejections(tenantId, job.jobId)).toEqual([
      {
        lineNo: 2,
        reason: `debtor ${debtorId} was erased: no account is opened for it; ${NEW_RELATIONSHIP}`,
        raw: 'erased',
      },
    ]);
    expect((await stored(debtorId)).accounts).toEqual([]);
    expect((await stored('uci-900002')).accounts).toEqual([{ account_id: 'uci-900002' }]);
  });
});
