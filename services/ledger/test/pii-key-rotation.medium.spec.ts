import { ledger } from '@collections/contracts';
import { loadConfig } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { PiiCipher, PiiKeyNotConfiguredError, piiKeyConfig } from '../src/ledger/pii';
import { rotateLedgerPiiKey } from '../src/ledger/pii-rotation';
import { EntryKind } from '../src/ledger/domain/journal';
import { LedgerRepository } from '../src/ledger/ledger.repository';
import { AccountsUseCase } from '../src/ledger/usecases/accounts.usecase';
import { DataSubjectUseCase } from '../src/ledger/usecases/data-subject.usecase';
import { HoldsAndConsentUseCase } from '../src/ledger/usecases/holds-and-consent.usecase';
import { PostEntryUseCase } from '../src/ledger/usecases/post-entry.usecase';
import { asTenantKey } from './support/principal';

/** The key the ledger ran with before the rotation (the single-key form), and the new one. */
const KEY_A = 'the-ledger-key-before-the-rotation';
const KEY_B = 'the-ledger-key-after-the-rotation-of-2026';
/** LEDGER_PII_KEY as the service reads it. */
const cipherOf = (setting: string) =>
  new PiiCipher(loadConfig({ piiKey: piiKeyConfig() }, { LEDGER_PII_KEY: setting }).piiKey);

const DEBTORS = 7;
/** The callers' free texts of the first debtor (migration 1763900016700): a memo, a hold's source and lift reason, an erasure reason. */
const TEXTS = {
  memo: 'dice que perdió el empleo, hijo enfermo',
  source: 'abogado de la deudora',
  liftReason: 'disputa retirada por la deudora',
  erasureReason: 'solicitud 99 de la deudora',
};
const FREE_TEXTS = Object.keys(TEXTS).length;
const person = (i: number) => ({
  debtorId: `rot-${i}`,
  name: `Deudora Rotada ${i} Ortiz`,
  nationalId: `5212345${i}`,
  phone: `+57300777000${i}`,
  email: `rotada.${i}@example.co`,
});

const debtor = (p: ReturnType<typeof person>) =>
  ledger.Debtor.fromPartial({
    debtorId: p.debtorId,
    kind: 'person',
    displayName: p.name,
    nationalId: p.nationalId,
    country: 'CO',
    timeZone: 'America/Bogota',
    contactPoints: [
      { type: 'phone', value: p.phone, verified: true, consentedChannels: ['sms'] },
      { type: 'email', value: p.email, verified: false, consentedChannels: ['email'] },
    ],
  });

/**
 * A lender rotates LEDGER_PII_KEY (services/ledger/docs/api.md, "Rotating the key"): the data
 * written under the old key A stays readable once the setting is [B, A]; the rotation job rewrites
 * every value under B (in batches, resumable, and a second run changes nothing); then the setting
 * [B] alone reads everything.
 */
describe("rotating the ledger's personal data key (real PostgreSQL)", () => {
  let sut: ServiceUnderTest;
  const people = Array.from({ length: DEBTORS }, (_, i) => person(i));

  const exported = async (setting: string, p: ReturnType<typeof person>) => {
    const { debtor: d } = await asTenantKey(sut.tenant, () =>
      new DataSubjectUseCase(sut.context, cipherOf(setting)).export(sut.tenant, p.debtorId),
    );
    return { name: d?.displayName, nationalId: d?.nationalId, contacts: d?.contactPoints.map((c) => c.value) };
  };
  const expected = (p: ReturnType<typeof person>) => ({
    name: p.name,
    nationalId: p.nationalId,
    contacts: [p.phone, p.email],
  });
  /** The tenant's stored values, by the key id each is under. */
  const valuesByKeyId = async (setting: string) => {
    const cipher = cipherOf(setting);
    const stored = [
      ...((await sut.dataSource.query(
        `SELECT display_name_enc AS v FROM ledger.debtor WHERE tenant_id = $1
         UNION ALL SELECT national_id_enc FROM ledger.debtor WHERE tenant_id = $1
         UNION ALL SELECT value_enc FROM ledger.contact_point WHERE tenant_id = $1
         UNION ALL SELECT erasure_reason_enc FROM ledger.debtor WHERE tenant_id = $1 AND erasure_reason_enc IS NOT NULL
         UNION ALL SELECT source_enc FROM ledger.debtor_hold WHERE tenant_id = $1
         UNION ALL SELECT lift_reason_enc FROM ledger.debtor_hold WHERE tenant_id = $1 AND lift_reason_enc IS NOT NULL
         UNION ALL SELECT memo_enc FROM ledger.journal_entry WHERE tenant_id = $1 AND memo_enc IS NOT NULL`,
        [sut.tenant],
      )) as { v: Buffer }[]),
    ];
    const counts: Record<string, number> = {};
    for (const { v } of stored) counts[cipher.keyIdOf(v)] = (counts[cipher.keyIdOf(v)] ?? 0) + 1;
    return counts;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    const before = new AccountsUseCase(sut.context, cipherOf(KEY_A));
    for (const p of people) await before.upsertDebtor(sut.tenant, debtor(p));
    // The first debtor's free texts, under A.
    await before.openAccount(
      sut.tenant,
      ledger.OpenAccountRequest.fromPartial({
        accountId: 'rot-acct',
        externalRef: 'crm-rot',
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: 'USD',
        openedOn: '2026-01-01',
        debtors: [{ debtorId: people[0].debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      }),
    );
    await new PostEntryUseCase(sut.context, new LedgerRepository(cipherOf(KEY_A))).execute({
      tenantId: sut.tenant,
      accountId: 'rot-acct',
      kind: EntryKind.Charge,
      amountMinor: 1_000,
      currency: 'USD',
      idempotencyKey: 'rot-charge',
      memo: TEXTS.memo,
    });
    const holds = new HoldsAndConsentUseCase(sut.context, cipherOf(KEY_A));
    const { holdId } = await holds.setHold(
      sut.tenant,
      ledger.SetHoldRequest.fromPartial({
        debtorId: people[0].debtorId,
        kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
        source: TEXTS.source,
        startsOn: '2026-02-01',
        idempotencyKey: 'rot-hold',
      }),
    );
    await holds.liftHold(sut.tenant, { holdId, reason: TEXTS.liftReason });
    await sut.dataSource.query(`UPDATE ledger.debtor SET erasure_reason_enc = $3 WHERE tenant_id = $1 AND id = $2`, [
      sut.tenant,
      people[0].debtorId,
      cipherOf(KEY_A).encrypt(TEXTS.erasureReason),
    ]);
    // One debtor's name as the ledger wrote it before key ids: its last bytes, iv (12) | tag (16) | ciphertext.
    await sut.dataSource.query(
      `UPDATE ledger.debtor SET display_name_enc = substring(display_name_enc FROM octet_length(display_name_enc) - $3::int + 1)
        WHERE tenant_id = $1 AND id = $2`,
      [sut.tenant, people[0].debtorId, 12 + 16 + Buffer.byteLength(people[0].name)],
    );
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('reads everything written under the old key once the setting names the new key first, and writes under the new one', async () => {
    const setting = `b2026:${KEY_B},legacy:${KEY_A}`;
    for (const p of people) expect(await exported(setting, p)).toEqual(expected(p));
    const late = person(DEBTORS);
    await new AccountsUseCase(sut.context, cipherOf(setting)).upsertDebtor(sut.tenant, debtor(late));
    expect(await exported(setting, late)).toEqual(expected(late));
    people.push(late);
    // Two values per debtor (name, national id) and two contact points each; the late debtor's under B.
    expect(await valuesByKeyId(setting)).toEqual({ legacy: DEBTORS * 4 + FREE_TEXTS, b2026: 4 });
  });

  it('rewrites every value under the new key, resumes where it stopped, and a second run changes nothing', async () => {
    const cipher = cipherOf(`b2026:${KEY_B},legacy:${KEY_A}`);
    // A run stopped after its first batch of 3 debtors (a crash, a deploy).
    const stop = new Error('stopped by the operator');
    await expect(
      rotateLedgerPiiKey(sut.dataSource, cipher, {
        batchRows: 3,
        onProgress: (p) => {
          if (p.rewritten > 0) throw stop;
        },
      }),
    ).rejects.toBe(stop);

    const resumed = await rotateLedgerPiiKey(sut.dataSource, cipher, { batchRows: 3 });
    expect(resumed).toEqual([
      { table: 'debtor', pending: DEBTORS - 3, rewritten: DEBTORS - 3 },
      { table: 'contact_point', pending: DEBTORS * 2, rewritten: DEBTORS * 2 },
      { table: 'debtor_hold', pending: 1, rewritten: 1 },
      { table: 'journal_entry', pending: 1, rewritten: 1 },
      { table: 'account_status_change', pending: 0, rewritten: 0 },
      { table: 'recon_item', pending: 0, rewritten: 0 },
      { table: 'import_rejection', pending: 0, rewritten: 0 },
    ]);
    expect(await valuesByKeyId(`b2026:${KEY_B},legacy:${KEY_A}`)).toEqual({ b2026: (DEBTORS + 1) * 4 + FREE_TEXTS });

    const again = await rotateLedgerPiiKey(sut.dataSource, cipher, { batchRows: 3 });
    expect(again).toEqual([
      { table: 'debtor', pending: 0, rewritten: 0 },
      { table: 'contact_point', pending: 0, rewritten: 0 },
      { table: 'debtor_hold', pending: 0, rewritten: 0 },
      { table: 'journal_entry', pending: 0, rewritten: 0 },
      { table: 'account_status_change', pending: 0, rewritten: 0 },
      { table: 'recon_item', pending: 0, rewritten: 0 },
      { table: 'import_rejection', pending: 0, rewritten: 0 },
    ]);
  });

  it('reads everything with the new key alone once the job is done, and names the removed key of a value it did not rewrite', async () => {
    for (const p of people) expect(await exported(`b2026:${KEY_B}`, p)).toEqual(expected(p));
    const first = await asTenantKey(sut.tenant, () =>
      new DataSubjectUseCase(sut.context, cipherOf(`b2026:${KEY_B}`)).export(sut.tenant, people[0].debtorId),
    );
    expect(first.entries.map((e) => e.memo)).toEqual([TEXTS.memo]);
    expect(first.holds.map((h) => [h.source, h.liftReason])).toEqual([[TEXTS.source, TEXTS.liftReason]]);
    const [{ erasure_reason_enc }] = (await sut.dataSource.query(
      `SELECT erasure_reason_enc FROM ledger.debtor WHERE tenant_id = $1 AND id = $2`,
      [sut.tenant, people[0].debtorId],
    )) as { erasure_reason_enc: Buffer }[];
    expect(cipherOf(`b2026:${KEY_B}`).decrypt(erasure_reason_enc)).toBe(TEXTS.erasureReason);

    const stray = cipherOf(KEY_A).encrypt('written by a ledger that still ran with the old key');
    await expect(async () => cipherOf(`b2026:${KEY_B}`).decrypt(stray)).rejects.toThrow(PiiKeyNotConfiguredError);
    await expect(async () => cipherOf(`b2026:${KEY_B}`).decrypt(stray)).rejects.toThrow(/key id "legacy"/);
  });
});
