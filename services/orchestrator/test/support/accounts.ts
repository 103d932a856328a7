import { ledger } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { deliver } from './events';
import { openedAccountFacts, scoredFact } from './planner-facts';

/**
 * A test debtor's contact points: each verified, each with the debtor's consent to the channels it
 * reaches (Colombia contacts only on channels the debtor authorised).
 */
export interface TestContactPoints {
  email?: string;
  phone?: string;
  postal?: string;
}

/**
 * Debtor `debtor-<n>` (Colombian, America/Bogota, Spanish) with card account `acct-<n>` in COP,
 * its statement of `balanceMinor` due on `dueDate`, scored "negotiate" 10 days before: `debtors`
 * (the contact directory's source) learns the debtor, and the orchestrator consumes the events
 * the ledger and scoring would publish, at 2026-03-02 15:00 UTC on the test's clock. Returns the
 * account id.
 */
const CONSENTS: Record<string, string[]> = {
  phone: ['call', 'sms', 'whatsapp'],
  email: ['email'],
  address: ['letter', 'visit'],
};

export async function openColombianAccount(
  sut: ServiceUnderTest,
  debtors: Map<string, ledger.Debtor>,
  n: string,
  account: { balanceMinor: number; dueDate: string; points: TestContactPoints },
): Promise<string> {
  const accountId = `acct-${n}`;
  const debtorId = `debtor-${n}`;
  const { email, phone, postal } = account.points;
  const point = (type: string, value: string) => ({ type, value, verified: true, consentedChannels: CONSENTS[type] });
  debtors.set(debtorId, {
    debtorId,
    kind: 'person',
    displayName: `Ana ${n} Pérez`,
    nationalId: '',
    contactPoints: [
      ...(email ? [point('email', email)] : []),
      ...(phone ? [point('phone', phone)] : []),
      ...(postal ? [point('address', postal)] : []),
    ],
    timeZone: 'America/Bogota',
    language: 'es',
    country: 'CO',
    region: '',
  });
  sut.clock.set(new Date('2026-03-02T15:00:00Z'));
  const facts = [
    ...openedAccountFacts(accountId, debtorId, {
      externalRef: `TC-${n}`,
      cycle: 9,
      dueDate: account.dueDate,
      amountDueMinor: account.balanceMinor,
    }),
    scoredFact(accountId, account.balanceMinor, sut.clock.now(), -10),
  ];
  for (const fact of facts) await deliver(sut, fact.type, fact.payload as never, fact.key);
  return accountId;
}

/**
 * The DebtorUpserted the ledger publishes when it erases a debtor (EraseDebtor,
 * services/ledger/src/ledger/usecases/data-subject.usecase.ts): flagged `erased`, no time zone, no country.
 */
export const ledgerErasure = (debtorId: string): ledger.DebtorUpserted => ({
  debtorId,
  timeZone: '',
  language: '',
  country: '',
  region: '',
  consentedChannels: [],
  erased: true,
});
