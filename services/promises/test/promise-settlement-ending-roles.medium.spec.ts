import { randomUUID } from 'node:crypto';
import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { promises } from '@collections/contracts';
import { Authenticator, PromiseClient, grpcClient, metadataFromPrincipalHeaders, signJwt } from '@collections/platform';
import { startNestApp } from '@collections/runtime';
import { ServiceUnderTest } from '@collections/testing';
import { createPromisesService } from '../src/promises.service';
import { deliver, published, utcAccountOpened } from './support/events';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const JWT_SECRET = 'promise-settlement-ending-roles-secret';
const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { PromiseState, SettlementState } = promises;
const at = (date: string) => new Date(`${date}T15:00:00Z`);
const CANCEL_REFUSAL = 'cancelling a promise needs the agent, supervisor or admin role';
const WITHDRAW_REFUSAL = 'withdrawing a settlement needs the supervisor or admin role';

/**
 * Who may end a single promise (CancelPromise, `POST /v1/promises/promises/{id}/cancel`): a user
 * holding the agent, supervisor or admin role, as for a plan. Who may take back a settlement offer
 * (WithdrawSettlement, `POST /v1/promises/settlements/{id}/withdraw`): a supervisor or the
 * administrator only, the offer being the creditor's. The tenant's API key may do both. A user is
 * recorded as themselves; anyone else is refused with PERMISSION_DENIED naming the action and the
 * roles, over gRPC and REST, and nothing ends or is announced.
 */
describe('who may cancel a promise or withdraw a settlement with a user token (gRPC and REST, real ledger)', () => {
  let env: PromisesOnLedger;
  let sut: ServiceUnderTest;
  let client: PromiseClient<typeof promises.PromisesServiceService>;

  const userToken = (roles: string[]) =>
    `Bearer ${signJwt({ tenant: sut.tenant, sub: `user-${roles.join('+') || 'none'}`, roles }, JWT_SECRET)}`;
  const apiKeyMd = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  const grpcAs = (roles: string[]): Metadata => metadataFromPrincipalHeaders({ authorization: userToken(roles) });
  const restAs = (path: string, roles: string[], body: unknown) =>
    fetch(`${sut.app.httpUrl}${path}`, {
      method: 'POST',
      headers: { authorization: userToken(roles), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const grpcOutcome = (call: Promise<unknown>) =>
    call.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  // The user claims to act as someone else: a user is recorded as themselves all the same.
  const cancelRequest = (promiseId: string) => ({
    promiseId,
    reason: 'taken on the wrong account',
    agentId: 'someone-else',
    idempotencyKey: `cancel-${promiseId}`,
  });
  const withdrawRequest = (settlementId: string) => ({
    settlementId,
    reason: 'the creditor recalled the offer',
    agentId: 'someone-else',
    idempotencyKey: `withdraw-${settlementId}`,
  });

  /** A UTC account owing 1,000.00 USD with a promise of 200.00 and a settlement of 750.00, taken with the API key. */
  async function newCommitments(): Promise<{ promiseId: string; settlementId: string }> {
    sut.clock.set(at('2026-03-02'));
    env.ledgerSut.clock.set(at('2026-03-02'));
    const accountId = `roles-${randomUUID().slice(0, 8)}`;
    await env.openLedgerAccount(accountId, {
      amountMinor: 100_000,
      currency: 'USD',
      timeZone: 'UTC',
      openedOn: '2026-01-01',
      chargedOn: '2026-01-05',
    });
    await deliver(sut, 'collections.ledger.v1.AccountOpened', utcAccountOpened(accountId));
    const { promise } = await client.createPromise(
      { accountId, amount: USD(20_000), dueDate: '2026-03-10', idempotencyKey: `promise-${accountId}` },
      apiKeyMd(),
    );
    const { settlement } = await client.createSettlement(
      {
        accountId,
        amount: USD(75_000),
        dueDate: '2026-03-12',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_AGENT,
        agentId: 'agent-1',
        idempotencyKey: `settle-${accountId}`,
      },
      apiKeyMd(),
    );
    return { promiseId: promise!.promiseId, settlementId: settlement!.settlementId };
  }

  const promise = async (promiseId: string) => (await client.getPromise({ promiseId }, apiKeyMd())).promise!;
  const settlement = async (settlementId: string) =>
    (await client.getSettlement({ settlementId }, apiKeyMd())).settlement!;
  const cancelledEvents = async (promiseId: string) =>
    (await published(sut, 'collections.promises.v1.PromiseCancelled')).filter((e) => e.promiseId === promiseId);
  const withdrawnEvents = async (settlementId: string) =>
    (await published(sut, 'collections.promises.v1.SettlementWithdrawn')).filter(
      (e) => e.settlementId === settlementId,
    );

  beforeAll(async () => {
    env = await startPromisesOnLedger();
    sut = env.sut;
    // The same service, answering user tokens too (the harness's accepts API keys only), with the
    // same real ledger behind it.
    const definition = createPromisesService({
      ledger: {
        balanceOf: (...args) => env.ledgerPort.balanceOf(...args),
        standing: (...args) => env.ledgerPort.standing(...args),
        postDiscount: (...args) => env.ledgerPort.postDiscount(...args),
        close: () => undefined,
      },
    });
    const port = Number(new URL(sut.app.httpUrl).port);
    await sut.app.close();
    sut.app = await startNestApp({
      name: definition.name,
      services: [{ definition, context: sut.context }],
      logger: sut.context.logger,
      clock: sut.clock,
      authenticator: new Authenticator({ apiKeys: `${sut.tenant}:${sut.apiKey}`, jwtSecret: JWT_SECRET }),
      metrics: sut.context.metrics,
      health: sut.context.health,
      http: { host: '127.0.0.1', port },
      grpc: { host: '127.0.0.1', port: port + 1 },
    });
    client = grpcClient(promises.PromisesServiceService, sut.app.grpcAddress);
  });
  afterAll(async () => {
    client?.close();
    await env?.close();
  });

  it.each(['agent', 'supervisor', 'admin'])(
    'lets a user with the %s role cancel a promise over gRPC and over REST, as themselves',
    async (role) => {
      const { promiseId: overGrpc } = await newCommitments();
      const { promise: cancelled } = await client.cancelPromise(cancelRequest(overGrpc), grpcAs([role]));
      expect(cancelled).toMatchObject({ state: PromiseState.PROMISE_STATE_CANCELLED, cancelledBy: `user-${role}` });
      expect(await cancelledEvents(overGrpc)).toMatchObject([{ cancelledBy: `user-${role}` }]);

      const { promiseId: overRest } = await newCommitments();
      const res = await restAs(`/v1/promises/promises/${overRest}/cancel`, [role], cancelRequest(overRest));
      expect(res.status).toBe(200);
      expect(await promise(overRest)).toMatchObject({
        state: PromiseState.PROMISE_STATE_CANCELLED,
        cancelledBy: `user-${role}`,
      });
      expect(await cancelledEvents(overRest)).toHaveLength(1);
    },
  );

  it.each(['supervisor', 'admin'])(
    'lets a user with the %s role withdraw a settlement over gRPC and over REST, as themselves',
    async (role) => {
      const { settlementId: overGrpc } = await newCommitments();
      const { settlement: withdrawn } = await client.withdrawSettlement(withdrawRequest(overGrpc), grpcAs([role]));
      expect(withdrawn).toMatchObject({
        state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
        withdrawnBy: `user-${role}`,
      });
      expect(await withdrawnEvents(overGrpc)).toMatchObject([{ withdrawnBy: `user-${role}` }]);

      const { settlementId: overRest } = await newCommitments();
      const res = await restAs(`/v1/promises/settlements/${overRest}/withdraw`, [role], withdrawRequest(overRest));
      expect(res.status).toBe(200);
      expect(await settlement(overRest)).toMatchObject({
        state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
        withdrawnBy: `user-${role}`,
      });
      expect(await withdrawnEvents(overRest)).toHaveLength(1);
    },
  );

  it.each([{ roles: ['compliance'] }, { roles: ['scoring-admin', 'platform-admin'] }, { roles: [] }])(
    'refuses to let a user with the roles $roles cancel a promise (gRPC and REST), and it stays open',
    async ({ roles }: { roles: string[] }) => {
      const { promiseId } = await newCommitments();
      expect(await grpcOutcome(client.cancelPromise(cancelRequest(promiseId), grpcAs(roles)))).toEqual({
        code: status.PERMISSION_DENIED,
        details: CANCEL_REFUSAL,
      });
      const res = await restAs(`/v1/promises/promises/${promiseId}/cancel`, roles, cancelRequest(promiseId));
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({
        code: 'PERMISSION_DENIED',
        message: CANCEL_REFUSAL,
        details: { requiredRoles: ['agent', 'supervisor', 'admin'] },
      });
      expect(await promise(promiseId)).toMatchObject({ state: PromiseState.PROMISE_STATE_OPEN, cancelledBy: '' });
      expect(await cancelledEvents(promiseId)).toEqual([]);
    },
  );

  it.each([{ roles: ['agent'] }, { roles: ['compliance'] }, { roles: [] }])(
    'refuses to let a user with the roles $roles withdraw a settlement (gRPC and REST), and it stays open',
    async ({ roles }: { roles: string[] }) => {
      const { settlementId } = await newCommitments();
      expect(await grpcOutcome(client.withdrawSettlement(withdrawRequest(settlementId), grpcAs(roles)))).toEqual({
        code: status.PERMISSION_DENIED,
        details: WITHDRAW_REFUSAL,
      });
      const res = await restAs(
        `/v1/promises/settlements/${settlementId}/withdraw`,
        roles,
        withdrawRequest(settlementId),
      );
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({
        code: 'PERMISSION_DENIED',
        message: WITHDRAW_REFUSAL,
        details: { requiredRoles: ['supervisor', 'admin'] },
      });
      expect(await settlement(settlementId)).toMatchObject({
        state: SettlementState.SETTLEMENT_STATE_OPEN,
        withdrawnBy: '',
      });
      expect(await withdrawnEvents(settlementId)).toEqual([]);
    },
  );

  it('lets the tenant’s API key do both, recorded as the agent it names', async () => {
    const { promiseId, settlementId } = await newCommitments();
    expect((await client.cancelPromise(cancelRequest(promiseId), apiKeyMd())).promise).toMatchObject({
      state: PromiseState.PROMISE_STATE_CANCELLED,
      cancelledBy: 'someone-else',
    });
    expect((await client.withdrawSettlement(withdrawRequest(settlementId), apiKeyMd())).settlement).toMatchObject({
      state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
      withdrawnBy: 'someone-else',
    });
  });
});
