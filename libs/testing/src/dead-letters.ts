import { EntityManager } from 'typeorm';
import { ledger, topicOf } from '@collections/contracts';
import { Headers, buildHeaders, insertDeadLetter } from '@collections/messaging';

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
