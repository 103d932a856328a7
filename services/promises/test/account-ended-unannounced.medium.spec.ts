import { randomUUID } from 'node:crypto';
import { ledger, ledgerLifecycle, promises } from '@collections/contracts';
import { ServiceUnderTest, waitFor } from '@collections/testing';
import { deliver, outboxTypesOf } from './support/events';
import { PromisesApi, startPromisesApi, weeklyPlanOf300 } from './support/promises-api';

const at = (date: string) => new Date(`${date}T15:00:00Z`);

/**
 * A plan agreed on an account whose AccountOpened has not reached promises yet (the ledger answered
 * for it) while the ledger closes that account: the plan's transaction writes the account's row
 * before it commits, so the ending waits for it and then cancels the plan, rather than reading past
 * a plan it cannot see yet and leaving it active on a closed account. The plan's transaction is
 * held open by a lock on the outbox, after the plan and the check are written, before it commits.
 */
describe('an account ended while a plan is being agreed on it, before promises heard it open (real PostgreSQL, two sessions)', () => {
  let api: PromisesApi;
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    api = await startPromisesApi(at('2026-03-02'));
    ({ sut } = api);
  });
  afterAll(() => api?.close());

  /** Whether a session of this test's database waits for a lock in a statement like `pattern`. */
  async function waiting(pattern: string): Promise<boolean> {
    const rows = (await sut.dataSource.query(
      `SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE $1`,
      [pattern],
    )) as unknown[];
    return rows.length > 0;
  }

  it('cancels the plan once its transaction commits: the ending waits for it instead of missing it', async () => {
    const accountId = `unheard-${randomUUID().slice(0, 8)}`;
    const holder = sut.dataSource.createQueryRunner();
    await holder.connect();
    let agreeing!: Promise<string>;
    let ended = false;
    let ending!: Promise<unknown>;
    try {
      await holder.startTransaction();
      await holder.query('LOCK TABLE promises.outbox IN SHARE MODE');
      agreeing = weeklyPlanOf300(api, accountId);
      await waitFor(() => waiting('%INSERT INTO promises.outbox%'), {
        message: 'the plan’s transaction waiting to announce the plan',
      });
      ending = deliver(
        sut,
        'collections.ledger.v1.AccountClosed',
        ledgerLifecycle.AccountClosed.fromPartial({
          accountId,
          previousStatus: ledger.AccountStatus.ACCOUNT_STATUS_CURRENT,
          closedOn: '2026-03-02',
        }),
      ).then(() => (ended = true));
      // Without the row the ending would not wait: it would finish here, finding nothing to end.
      await waitFor(async () => ended || (await waiting('%INSERT INTO promise_account_profile%ended_at%')), {
        message: 'the account’s ending waiting for the plan’s transaction, or done',
      });
    } finally {
      await holder.commitTransaction();
      await holder.release();
    }
    const planId = await agreeing;
    await ending;

    const { plan } = await api.client.getPlan({ planId }, api.md());
    expect(plan).toMatchObject({ planId, state: promises.PlanState.PLAN_STATE_CANCELLED });
    expect(await outboxTypesOf(sut, accountId)).toEqual(['PlanAgreed', 'PlanCancelled']);
    const [profile] = (await sut.dataSource.query(
      `SELECT time_zone, trim(currency) AS currency, ended_at IS NOT NULL AS ended
         FROM promise_account_profile WHERE tenant_id = $1 AND account_id = $2`,
      [sut.tenant, accountId],
    )) as unknown[];
    expect(profile).toEqual({ time_zone: 'UTC', currency: '', ended: true });
  });
});
