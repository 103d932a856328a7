import { ledger } from '@collections/contracts';
import {
  ServiceUnderTest,
  itErasesDeadLetters,
  startServiceUnderTest,
  writePersonDeadLetters,
} from '@collections/testing';
import { promisesService } from '../src/promises.service';
import { deliver, startConsumers } from './support/events';

/**
 * A record of a debtor's that promises could not apply stays in its dead letters, whole: the
 * ledger's erasure of the debtor (DebtorUpserted, erased) must reach it too, for the debtor's
 * records and their accounts' (linked by AccountOpened).
 */
describe("a debtor the ledger erases: promises' dead letters (real PostgreSQL)", () => {
  let sut: ServiceUnderTest;
  const person = (n: string, nationalId: string, phone: string) => ({
    debtorId: `debtor-${n}`,
    accountId: `acct-${n}`,
    name: `Ana ${n} Pérez`,
    nationalId,
    email: `deudor-${n}@example.com`,
    phone,
  });
  const erased = person('olvido', '1020304050', '+573001119001');
  const kept = person('sigue', '9080706050', '+573001119002');

  beforeAll(async () => {
    sut = await startServiceUnderTest(promisesService);
    await startConsumers(sut);
    for (const p of [erased, kept]) {
      await deliver(
        sut,
        'collections.ledger.v1.AccountOpened',
        ledger.AccountOpened.fromPartial({
          accountId: p.accountId,
          currency: 'USD',
          timeZone: 'UTC',
          openedOn: '2025-01-01',
          debtors: [{ debtorId: p.debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
        }),
      );
      await writePersonDeadLetters(sut.dataSource, sut.context.schema, { tenantId: sut.tenant, ...p });
    }
    await deliver(sut, 'collections.ledger.v1.DebtorUpserted', {
      debtorId: erased.debtorId,
      timeZone: '',
      language: '',
      country: '',
      region: '',
      consentedChannels: [],
      erased: true,
    });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
  });

  itErasesDeadLetters(() => sut, erased, kept);
});
