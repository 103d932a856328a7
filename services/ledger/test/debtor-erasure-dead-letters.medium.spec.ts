import { ledger } from '@collections/contracts';
import { ServiceUnderTest, itErasesDeadLetters, writePersonDeadLetters } from '@collections/testing';
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

  itErasesDeadLetters(() => sut, erased, kept);
});
