import { ledger } from '@collections/contracts';
import { ServiceUnderTest, columnsHolding, writePersonDeadLetters } from '@collections/testing';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

/**
 * A record of a debtor's that a consumer could not apply, or the relay could not publish, stays
 * in the service's dead letters, whole: the ledger's EraseDebtor must reach it too.
 */
describe("EraseDebtor reaches the debtor's dead letters (gRPC, real PostgreSQL)", () => {
  let api: LedgerApi;
  let sut: ServiceUnderTest;
  const person = (n: string, nationalId: string, phone: string) => ({
    debtorId: `d-${n}`,
    accountId: `acct-${n}`,
    name: `Ana ${n} Pérez`,
    nationalId,
    email: `${n}.mail@example.co`,
    phone,
  });
  const erased = person('olvido', '1020304050', '+573001119001');
  const kept = person('sigue', '9080706050', '+573001119002');

  async function onboard(p: typeof erased) {
    await api.client.upsertDebtor(
      {
        debtor: ledger.Debtor.fromPartial({
          debtorId: p.debtorId,
          kind: 'person',
          displayName: p.name,
          nationalId: p.nationalId,
          country: 'CO',
          timeZone: 'America/Bogota',
          contactPoints: [
            { type: 'email', value: p.email, verified: true, consentedChannels: ['email'] },
            { type: 'phone', value: p.phone, verified: true, consentedChannels: ['sms'] },
          ],
        }),
      },
      api.md(),
    );
    await api.client.openAccount(
      ledger.OpenAccountRequest.fromPartial({
        accountId: p.accountId,
        externalRef: `crm-${p.debtorId}`,
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: 'USD',
        openedOn: '2026-01-01',
        timeZone: 'America/Bogota',
        debtors: [{ debtorId: p.debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      }),
      api.md(),
    );
    await writePersonDeadLetters(sut.dataSource, sut.context.schema, { tenantId: sut.tenant, ...p });
  }

  beforeAll(async () => {
    api = await startLedgerApi();
    sut = api.sut;
    await onboard(erased);
    await onboard(kept);
    await api.client.eraseDebtor({ debtorId: erased.debtorId, reason: 'data-subject request 78' }, api.md());
  });

  afterAll(async () => {
    await api?.close();
  });

  it("keeps none of the erased debtor's name, national id, e-mail or phone in any dead letter (or anywhere else)", async () => {
    expect({
      name: await columnsHolding(sut.dataSource, erased.name),
      nationalId: await columnsHolding(sut.dataSource, erased.nationalId),
      email: await columnsHolding(sut.dataSource, erased.email),
      phone: await columnsHolding(sut.dataSource, erased.phone),
    }).toEqual({ name: [], nationalId: [], email: [], phone: [] });
  });

  it("leaves another debtor's dead letters whole", async () => {
    const inDeadLetters = async (needle: string) =>
      (await columnsHolding(sut.dataSource, needle)).filter((c) => c.startsWith('ledger.dead_letter.'));
    expect({
      name: await inDeadLetters(kept.name),
      email: await inDeadLetters(kept.email),
    }).toEqual({
      name: ['ledger.dead_letter.error', 'ledger.dead_letter.headers', 'ledger.dead_letter.payload'],
      email: ['ledger.dead_letter.error', 'ledger.dead_letter.payload'],
    });
  });

  it('lists the erased dead letters as erased and refuses to replay them', async () => {
    const letters = await sut.context.backbone.deadLetters.list();
    expect(letters.map((d) => [d.type, d.error === 'erased', d.erasedAt !== null])).toEqual([
      ['collections.ledger.v1.DebtorUpserted', true, true],
      ['collections.ledger.v1.PaymentPosted', true, true],
      ['collections.ledger.v1.DebtorUpserted', false, false],
      ['collections.ledger.v1.PaymentPosted', false, false],
    ]);
    await expect(sut.context.backbone.deadLetters.replay(letters[1].id)).rejects.toThrow(
      /cannot be replayed: a debtor's erasure erased its record/,
    );
  });
});
