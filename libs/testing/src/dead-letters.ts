import { EntityManager } from 'typeorm';
import { ledger, topicOf } from '@collections/contracts';
import { Headers, buildHeaders, insertDeadLetter } from '@collections/messaging';
import { columnsHolding } from './database';
import { ServiceUnderTest } from './service-under-test';

/** A person whose records a service could not apply: what identifies them, and their debtor and account ids. */
export interface PersonInDeadLetters {
  tenantId: string;
  debtorId: string;
  accountId: string;
  name: string;
  nationalId: string;
  email: string;
  phone: string;
}

/**
 * Two dead letters holding a person, as a service's consumer writes them into `<schema>.dead_letter`
 * when a handler keeps failing: the person's DebtorUpserted (key: the debtor id) as a ledger that
 * put the debtor's whole record in it wrote it (name, national id, e-mail, phone), its error quoting
 * the e-mail; and a PaymentPosted of their account (key: the account id) whose bank reference
 * names them, its error quoting the reference. Both carry a producer's free header with the name.
 */
export async function writePersonDeadLetters(
  db: { transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> },
  schema: string,
  p: PersonInDeadLetters,
): Promise<void> {
  const debtor = ledger.Debtor.encode(
    ledger.Debtor.fromPartial({
      debtorId: p.debtorId,
      kind: 'person',
      displayName: p.name,
      nationalId: p.nationalId,
      contactPoints: [
        { type: 'email', value: p.email, verified: true, consentedChannels: ['email'] },
        { type: 'phone', value: p.phone, verified: true, consentedChannels: ['sms'] },
      ],
      timeZone: 'America/Bogota',
      country: 'CO',
    }),
  ).finish();
  const reference = `pago de ${p.name} cc ${p.nationalId} tel ${p.phone}`;
  const payment = ledger.PaymentPosted.encode(
    ledger.PaymentPosted.fromPartial({
      paymentId: `pay-${p.accountId}`,
      accountId: p.accountId,
      reference,
      amount: { amountMinor: 5_000, currency: 'USD' },
    }),
  ).finish();
  const letter = (type: 'collections.ledger.v1.DebtorUpserted' | 'collections.ledger.v1.PaymentPosted') => {
    const key = type === 'collections.ledger.v1.DebtorUpserted' ? p.debtorId : p.accountId;
    const headers: Headers = {
      ...buildHeaders({ type, source: '/collections/ledger', tenantId: p.tenantId, subject: key }),
      'x-payer-name': p.name,
    };
    return { key, headers, topic: topicOf(type) };
  };
  await db.transaction(async (tx) => {
    const upserted = letter('collections.ledger.v1.DebtorUpserted');
    await insertDeadLetter(tx, `${schema}.dead_letter`, {
      consumer: schema,
      eventId: upserted.headers.ce_id ?? null,
      tenantId: p.tenantId,
      topic: upserted.topic,
      partition: 0,
      offset: '7',
      key: upserted.key,
      headers: upserted.headers,
      payload: Buffer.from(debtor),
      reason: 'handler-failed',
      error: `contact point ${p.email} refused: not a deliverable address`,
      attempts: 5,
    });
    const posted = letter('collections.ledger.v1.PaymentPosted');
    await insertDeadLetter(tx, `${schema}.dead_letter`, {
      consumer: schema,
      eventId: posted.headers.ce_id ?? null,
      tenantId: p.tenantId,
      topic: posted.topic,
      partition: 1,
      offset: '9',
      key: posted.key,
      headers: posted.headers,
      payload: Buffer.from(payment),
      reason: 'handler-failed',
      error: `no promise matches reference "${reference}"`,
      attempts: 5,
    });
  });
}

/**
 * The cases every service's dead-letter erasure test asserts, once `erased`'s erasure was applied
 * and both people's dead letters were written (`writePersonDeadLetters`, `erased`'s first): nothing
 * of `erased` is left in the service's database, `kept`'s dead letters are whole, and the erased
 * ones are listed as erased and cannot be replayed. Call inside a `describe`; `sut` is read when
 * the cases run.
 */
export function itErasesDeadLetters(
  sut: () => ServiceUnderTest,
  erased: Pick<PersonInDeadLetters, 'name' | 'nationalId' | 'email' | 'phone'>,
  kept: Pick<PersonInDeadLetters, 'name' | 'email'>,
): void {
  it("keeps none of the erased debtor's name, national id, e-mail or phone in any dead letter (or anywhere else)", async () => {
    const { dataSource } = sut();
    expect({
      name: await columnsHolding(dataSource, erased.name),
      nationalId: await columnsHolding(dataSource, erased.nationalId),
      email: await columnsHolding(dataSource, erased.email),
      phone: await columnsHolding(dataSource, erased.phone),
    }).toEqual({ name: [], nationalId: [], email: [], phone: [] });
  });

  it("leaves another debtor's dead letters whole", async () => {
    const table = `${sut().context.schema}.dead_letter`;
    const inDeadLetters = async (needle: string) =>
      (await columnsHolding(sut().dataSource, needle)).filter((c) => c.startsWith(`${table}.`));
    expect({ name: await inDeadLetters(kept.name), email: await inDeadLetters(kept.email) }).toEqual({
      name: [`${table}.error`, `${table}.headers`, `${table}.payload`],
      email: [`${table}.error`, `${table}.payload`],
    });
  });

  it('lists the erased dead letters as erased and refuses to replay them', async () => {
    const { deadLetters } = sut().context.backbone;
    const letters = await deadLetters.list();
    expect(letters.map((d) => [d.type, d.error === 'erased', d.erasedAt !== null])).toEqual([
      ['collections.ledger.v1.DebtorUpserted', true, true],
      ['collections.ledger.v1.PaymentPosted', true, true],
      ['collections.ledger.v1.DebtorUpserted', false, false],
      ['collections.ledger.v1.PaymentPosted', false, false],
    ]);
    await expect(deadLetters.replay(letters[1].id)).rejects.toThrow(
      /cannot be replayed: a debtor's erasure erased its record/,
    );
  });
}
