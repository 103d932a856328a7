import { ledger, scoring } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { deliver } from './events';

/** A test debtor's contact points: each verified, none with a recorded consent (Colombia asks for none). */
export interface TestContactPoints {
  email?: string;
  phone?: string;
  postal?: string;
}

const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });

/**
 * Debtor `debtor-<n>` (Colombian, America/Bogota, Spanish) with card account `acct-<n>` in COP,
 * its statement of `balanceMinor` due on `dueDate`, scored "negotiate" 10 days before: `debtors`
 * (the contact directory's source) learns the debtor, and the orchestrator consumes the events
 * the ledger and scoring would publish, at 2026-03-02 15:00 UTC on the test's clock. Returns the
 * account id.
 */
export async function openColombianAccount(
  sut: ServiceUnderTest,
  debtors: Map<string, ledger.Debtor>,
  n: string,
  account: { balanceMinor: number; dueDate: string; points: TestContactPoints },
): Promise<string> {
  const accountId = `acct-${n}`;
  const debtorId = `debtor-${n}`;
  const { email, phone, postal } = account.points;
  const point = (type: string, value: string) => ({ type, value, verified: true, consentedChannels: [] });
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
  await deliver(
    sut,
    'collections.ledger.v1.DebtorUpserted',
    { debtorId, timeZone: 'America/Bogota', language: 'es', country: 'CO', region: '', consentedChannels: [] },
    debtorId,
  );
  await deliver(sut, 'collections.ledger.v1.AccountOpened', {
    accountId,
    externalRef: `TC-${n}`,
    product: ledger.Product.PRODUCT_CREDIT_CARD,
    currency: 'COP',
    creditLimitMinor: 500_000_00,
    openedOn: '2025-06-01',
    debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
    timeZone: 'America/Bogota',
  });
  await deliver(sut, 'collections.ledger.v1.StatementIssued', {
    accountId,
    cycle: 9,
    statementDate: '2026-02-20',
    dueDate: account.dueDate,
    amountDue: COP(account.balanceMinor),
    minimumDue: COP(25_000_00),
    hasReportedStatus: false,
    reportedStatus: 0,
  });
  await deliver(sut, 'collections.scoring.v1.AccountScored', {
    accountId,
    probabilityToPay: 0.4,
    segment: scoring.Segment.SEGMENT_NEGOTIATE,
    modelVersion: 'm1',
    reasons: [],
    scoredAt: sut.clock.now(),
    expectedRecovery: COP(100_000_00),
    priority: 0.5,
    balance: COP(account.balanceMinor),
    daysPastDue: -10,
    segmentRule: 'test',
    imputedFeatures: [],
    modelArm: '',
  });
  return accountId;
}
