import { ledger } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest } from '@collections/testing';
import { deliver } from './events';

/**
 * The tenant's US limitation periods (years by state), put as its contact-rules override of
 * `enforcement.noSuitWhenTimeBarred` through the REST API; the US pack carries none.
 */
export async function putLimitationPeriods(
  sut: ServiceUnderTest,
  limitationPeriods: Record<string, { readonly years: number }>,
): Promise<void> {
  const put = await fetch(`${sut.app.httpUrl}/v1/orchestrator/contact-rules/US/override`, {
    method: 'PUT',
    headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ enforcement: { noSuitWhenTimeBarred: { limitationPeriods } } }),
  });
  if (put.status !== 200) throw new Error(`the override was not taken: ${put.status} ${await put.text()}`);
}

/**
 * A debtor in `region` (Los Angeles' zone in the US, Madrid's in Spain, unless `zone` is given)
 * with a personal loan of 1,200.00 that fell due on `dueDate` and was never paid, as the ledger's
 * events tell the orchestrator (`acct-<region>-<n>`, `debtor-<region>-<n>`).
 */
export async function openUnpaidLoan(
  sut: ServiceUnderTest,
  n: string,
  region: string,
  dueDate: string,
  country: 'US' | 'ES' = 'US',
  zone?: string,
): Promise<{ accountId: string; debtorId: string }> {
  const accountId = `acct-${region}-${n}`;
  const debtorId = `debtor-${region}-${n}`;
  const [countryZone, currency] = country === 'ES' ? ['Europe/Madrid', 'EUR'] : ['America/Los_Angeles', 'USD'];
  const timeZone = zone ?? countryZone;
  await deliver(
    sut,
    'collections.ledger.v1.DebtorUpserted',
    {
      debtorId,
      timeZone,
      language: country === 'ES' ? 'es' : 'en',
      country,
      region,
      consentedChannels: ['sms', 'email', 'call', 'letter'],
      erased: false,
    },
    debtorId,
  );
  await deliver(sut, 'collections.ledger.v1.AccountOpened', {
    accountId,
    externalRef: `LOAN-${region}-${n}`,
    product: ledger.Product.PRODUCT_PERSONAL_LOAN,
    currency,
    creditLimitMinor: 0,
    openedOn: '2019-06-01',
    debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
    timeZone,
  });
  await deliver(sut, 'collections.ledger.v1.StatementIssued', {
    accountId,
    cycle: 1,
    statementDate: dueDate,
    dueDate,
    amountDue: { amountMinor: 120_000, currency },
    minimumDue: { amountMinor: 120_000, currency },
    hasReportedStatus: false,
    reportedStatus: 0,
  });
  return { accountId, debtorId };
}

export interface ContactDecisionRow {
  readonly allowed: boolean;
  readonly reasons: string[];
  readonly stage: string;
  readonly pack_version: string | null;
  readonly override_version: number | null;
}

/** The account's contact decisions, oldest first. */
export function contactDecisionsOf(sut: ServiceUnderTest, accountId: string): Promise<ContactDecisionRow[]> {
  return sut.dataSource.query(
    `SELECT allowed, reasons, stage, pack_version, override_version FROM contact_decision
      WHERE tenant_id = $1 AND account_id = $2 ORDER BY decided_at, id`,
    [sut.tenant, accountId],
  );
}

/**
 * The account's refusals, which must be one at send time under the tenant's override (version 1)
 * in the time-barred words: the debt is time-barred in `state`, its 4-year period from
 * `defaultDate` having run out on `ranOut`. Answers its id, which the withdrawn row carries.
 */
export async function theTimeBarredRefusalAtSend(
  sut: ServiceUnderTest,
  accountId: string,
  t: { state: string; defaultDate: string; ranOut: string },
): Promise<string> {
  const refusals = (await contactDecisionsOf(sut, accountId)).filter((d) => !d.allowed);
  expect(refusals).toEqual([
    expect.objectContaining({
      stage: 'send',
      override_version: 1,
      reasons: [
        expect.stringMatching(
          new RegExp(
            `^US-TIME-BARRED: .* \\[.*§1006\\.26\\(b\\)\\] — the debt is time-barred in ${t.state}: its 4-year limitation period from the default date ${t.defaultDate} ran out on ${t.ranOut}$`,
          ),
        ),
      ],
    }),
  ]);
  const [{ id }] = (await sut.dataSource.query(
    `SELECT id FROM contact_decision WHERE tenant_id = $1 AND account_id = $2 AND NOT allowed`,
    [sut.tenant, accountId],
  )) as { id: string }[];
  return id;
}
