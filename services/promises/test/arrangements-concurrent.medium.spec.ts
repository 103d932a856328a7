import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { promises } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { DEFAULT_LIMITS, policyToProto } from '../src/negotiation/domain/negotiation-policy';
import { published } from './support/events';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { ApprovalState, ApprovalDecision, TakenBy, PlanFrequency, PlanChannel } = promises;
/** Rounds per case, each on a fresh account, and copies of the request fired at once in each. */
const ROUNDS = 5;
const COPIES = 4;

/**
 * The same request arriving several times at once (a client retrying on a timeout while the first
 * call still runs, two replicas behind a load balancer), and two supervisors deciding one held
 * offer at once: applied once, every caller with the first answer (or a clear refusal), nothing
 * stored or announced twice.
 */
describe('arrangements requested at the same time (gRPC, real ledger, real PostgreSQL)', () => {
  let env: PromisesOnLedger;
  let sut: ServiceUnderTest;
  let client: PromisesOnLedger['client'];
  let md: () => Metadata;
  let n = 0;

  beforeAll(async () => {
    env = await startPromisesOnLedger();
    ({ sut, client, md } = env);
    sut.clock.set(new Date('2026-03-02T15:00:00Z'));
  });
  afterAll(() => env.close());

  async function newAccount(opening: number): Promise<string> {
    const id = `acct-${++n}-${randomUUID().slice(0, 6)}`;
    await env.openLedgerAccount(id, {
      amountMinor: opening,
      currency: 'USD',
      timeZone: 'UTC',
      openedOn: '2025-01-01',
      chargedOn: '2026-01-05',
    });
    return id;
  }

  const outcome = <T>(p: Promise<T>) =>
    p.then(
      (answer) => ({ ok: true as const, answer }),
      (err: ServiceError) => ({ ok: false as const, code: err.code, details: err.details }),
    );
  const copies = <T>(call: () => Promise<T>) => Promise.all(Array.from({ length: COPIES }, () => call()));

  const rows = async (accountId: string) => {
    const [r] = (await sut.dataSource.query(
      `SELECT (SELECT count(*)::int FROM promises.payment_plan WHERE account_id = $1) AS plans,
              (SELECT count(*)::int FROM promises.plan_instalment i JOIN promises.payment_plan p
                 ON p.tenant_id = i.tenant_id AND p.id = i.plan_id WHERE p.account_id = $1) AS instalments,
              (SELECT count(*)::int FROM promises.settlement WHERE account_id = $1) AS settlements,
              (SELECT count(*)::int FROM promises.promise WHERE account_id = $1) AS promises,
              (SELECT count(*)::int FROM promises.offer_approval WHERE account_id = $1) AS approvals`,
      [accountId],
    )) as { plans: number; instalments: number; settlements: number; promises: number; approvals: number }[];
    return r;
  };

  it('creates one settlement when the same create arrives several times at once, every caller answered with it', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const accountId = await newAccount(100_000);
      const request = {
        accountId,
        amount: USD(80_000),
        dueDate: '2026-03-31',
        channel: PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: TakenBy.TAKEN_BY_AGENT,
        agentId: 'agent-1',
        idempotencyKey: `settle-${accountId}`,
      };
      const answers = await copies(() => client.createSettlement(request, md()));
      const ids = answers.map((a) => a.settlement!.settlementId);
      expect(ids).toEqual(ids.map(() => ids[0]));
      expect(answers.map((a) => a.settlement!.discount)).toEqual(ids.map(() => USD(20_000)));
      expect(await rows(accountId)).toMatchObject({ settlements: 1 });
    }
  });

  it('makes one promise, announced once, when the same promise arrives several times at once', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const accountId = await newAccount(50_000);
      const request = { accountId, amount: USD(7_500), dueDate: '2026-03-12', idempotencyKey: `promise-${accountId}` };
      const answers = await copies(() => client.createPromise(request, md()));
      const ids = answers.map((a) => a.promise!.promiseId);
      expect(ids).toEqual(ids.map(() => ids[0]));
      expect(await rows(accountId)).toMatchObject({ promises: 1 });
      const made = (await published(sut, 'collections.promises.v1.PromiseMade')).filter(
        (e) => e.accountId === accountId,
      );
      expect(made.map((e) => e.promiseId)).toEqual([ids[0]]);
    }
  });

  describe('offers held for a supervisor', () => {
    const heldPlan = (accountId: string) => ({
      accountId,
      total: USD(120_000),
      downPayment: USD(12_000),
      instalments: 30, // beyond an agent's 24: held for a supervisor
      frequency: PlanFrequency.PLAN_FREQUENCY_MONTHLY,
      firstDate: '2026-03-10',
      channel: PlanChannel.PLAN_CHANNEL_CALL,
      takenBy: TakenBy.TAKEN_BY_AGENT,
      agentId: 'agent-1',
      idempotencyKey: `plan-${accountId}`,
    });

    it('holds one approval when the same plan beyond the limits arrives several times at once', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const accountId = await newAccount(120_000);
        const answers = await copies(() => client.createPlan(heldPlan(accountId), md()));
        expect(answers.every((a) => a.plan === undefined)).toBe(true);
        const ids = answers.map((a) => a.approval!.approvalId);
        expect(ids).toEqual(ids.map(() => ids[0]));
        expect(await rows(accountId)).toMatchObject({ plans: 0, approvals: 1 });
      }
    });

    it('creates the held plan once when two supervisors approve it at once; the other is told it was decided', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const accountId = await newAccount(120_000);
        const { approval } = await client.createPlan(heldPlan(accountId), md());
        const decide = (supervisorId: string) =>
          outcome(
            client.decideApproval(
              {
                approvalId: approval!.approvalId,
                decision: ApprovalDecision.APPROVAL_DECISION_APPROVE,
                supervisorId,
                note: '',
              },
              md(),
            ),
          );
        const answers = await Promise.all([decide('sup-1'), decide('sup-2')]);
        const won = answers.flatMap((a) => (a.ok ? [a.answer] : []));
        expect(won).toHaveLength(1);
        expect(won[0].approval).toMatchObject({ state: ApprovalState.APPROVAL_STATE_APPROVED });
        expect(answers.filter((a) => !a.ok)).toEqual([
          expect.objectContaining({
            code: status.FAILED_PRECONDITION,
            details: expect.stringMatching(/already approved by sup-[12]/),
          }),
        ]);
        expect(await rows(accountId)).toMatchObject({ plans: 1, instalments: 31, approvals: 1 });
        const agreed = (await published(sut, 'collections.promises.v1.PlanAgreed')).filter(
          (e) => e.accountId === accountId,
        );
        expect(agreed.map((e) => e.planId)).toEqual([won[0].plan!.planId]);
      }
    });
  });

  it('gives concurrent negotiation policy changes consecutive versions, none lost', async () => {
    const { policy: before } = await client.getNegotiationPolicy({ version: 0 }, md());
    const changes = Array.from({ length: 6 }, (_, i) =>
      client.setNegotiationPolicy(
        {
          policy: { ...before!, minDownPaymentBps: 100 * (i + 1) },
          changedBy: `ops-${i}`,
          reason: `change ${i}`,
        },
        md(),
      ),
    );
    const versions = (await Promise.all(changes)).map((c) => c.policy!.version).sort((a, b) => a - b);
    expect(versions).toEqual(versions.map((_, i) => before!.version + i + 1));
    const history = await Promise.all(
      versions.map(async (v) => (await client.getNegotiationPolicy({ version: v }, md())).policy!),
    );
    expect(new Set(history.map((p) => p.changedBy)).size).toBe(6);
    // Back to the platform's limits.
    await client.setNegotiationPolicy(
      {
        policy: policyToProto({ limits: DEFAULT_LIMITS, version: 0, changedBy: '', changeReason: '' }),
        changedBy: 'test',
        reason: 'reset',
      },
      md(),
    );
  });
});
