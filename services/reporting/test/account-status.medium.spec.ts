import { ledger } from '@collections/contracts';
import { USD, at, eventScript } from './support/event-script';
import { ReadModel } from './support/read-model';

const { ACCOUNT_STATUS_CURRENT, ACCOUNT_STATUS_DELINQUENT, ACCOUNT_STATUS_SETTLED, ACCOUNT_STATUS_CLOSED } =
  ledger.AccountStatus;

/**
 * The status the read model keeps of each account follows the ledger's lifecycle, a reopening
 * included: S settled on 03-05, its settlement payment bounced on 03-09 (reopened delinquent);
 * C closed on 03-05, its last payment bounced on 03-09 (reopened current), closed again on 03-20.
 */
describe("each account's status in the read model, through settlement, closing and reopening (real PostgreSQL)", () => {
  const { add, open, take } = eventScript('status', { openingBalanceHour: 13 });
  open('S', '2026-01-05', 90_000);
  open('C', '2026-01-05', 90_000);
  add('collections.ledger.v1.AccountSettled', at('2026-03-05'), {
    accountId: 'S',
    entryId: 'sd-S',
    discount: USD(10_000),
    previousStatus: ACCOUNT_STATUS_DELINQUENT,
    effectiveDate: '2026-03-05',
    reason: '',
  });
  add('collections.ledger.v1.AccountClosed', at('2026-03-05'), {
    accountId: 'C',
    previousStatus: ACCOUNT_STATUS_CURRENT,
    closedOn: '2026-03-05',
    reason: '',
  });
  const reopen = (accountId: string, previousStatus: number, status: number) =>
    add('collections.ledger.v1.AccountReopened', at('2026-03-09'), {
      accountId,
      entryId: `nsf-${accountId}`,
      paymentId: `pay-${accountId}`,
      previousStatus,
      status,
      balanceAfter: USD(80_000),
      effectiveDate: '2026-03-09',
    });
  reopen('S', ACCOUNT_STATUS_SETTLED, ACCOUNT_STATUS_DELINQUENT);
  reopen('C', ACCOUNT_STATUS_CLOSED, ACCOUNT_STATUS_CURRENT);
  const told = take();
  add('collections.ledger.v1.AccountClosed', at('2026-03-20'), {
    accountId: 'C',
    previousStatus: ACCOUNT_STATUS_CURRENT,
    closedOn: '2026-03-20',
    reason: '',
  });
  const closedAgain = take();

  const models: ReadModel[] = [];
  afterAll(async () => {
    for (const m of models) await m.close();
  });

  const statusOf = async (m: ReadModel) =>
    (await m.sut.dataSource.query(
      `SELECT account_id, status, to_char(status_on, 'YYYY-MM-DD') AS status_on FROM account_fact
        WHERE tenant_id = $1 ORDER BY account_id`,
      [m.sut.tenant],
    )) as { account_id: string; status: string; status_on: string }[];

  it('keeps the status a reopening returned the account to, and the next move after it', async () => {
    const m = await new ReadModel().start();
    models.push(m);
    await m.deliver(told);
    expect(await statusOf(m)).toEqual([
      { account_id: 'C', status: 'current', status_on: '2026-03-09' },
      { account_id: 'S', status: 'delinquent', status_on: '2026-03-09' },
    ]);
    await m.deliver(closedAgain);
    expect((await statusOf(m))[0]).toEqual({ account_id: 'C', status: 'closed', status_on: '2026-03-20' });
  });

  it('gets the same statuses one event at a time, and keeps them when the end is delivered again', async () => {
    const m = await new ReadModel().start();
    models.push(m);
    for (const e of told) await m.deliver([e]);
    // The settlement told again under a new id (a republish) is older than the reopening: no change.
    await m.deliver(
      told.filter((e) => e.type === 'collections.ledger.v1.AccountSettled'),
      (e) => `${e.id}-again`,
    );
    expect(await statusOf(m)).toEqual([
      { account_id: 'C', status: 'current', status_on: '2026-03-09' },
      { account_id: 'S', status: 'delinquent', status_on: '2026-03-09' },
    ]);
  });
});
