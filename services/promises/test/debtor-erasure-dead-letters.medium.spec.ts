import { ledger } from '@collections/contracts';
import { ServiceUnderTest, columnsHolding, startServiceUnderTest, writePersonDeadLetters } from '@collections/testing';
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
      (await columnsHolding(sut.dataSource, needle)).filter((c) => c.startsWith('promises.dead_letter.'));
    expect({ name: await inDeadLetters(kept.name), email: await inDeadLetters(kept.email) }).toEqual({
      name: ['promises.dead_letter.error', 'promises.dead_letter.headers', 'promises.dead_letter.payload'],
      email: ['promises.dead_letter.error', 'promises.dead_letter.payload'],
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
