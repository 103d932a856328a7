import { randomUUID } from 'node:crypto';
import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { promises } from '@collections/contracts';
import { Authenticator, PromiseClient, grpcClient, metadataFromPrincipalHeaders, signJwt } from '@collections/platform';
import { startNestApp } from '@collections/runtime';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { promisesService } from '../src/promises.service';
import { published } from './support/events';
import { weeklyPlanOf300 } from './support/promises-api';

const JWT_SECRET = 'plan-cancel-roles-test-secret';
const { PlanState } = promises;
const at = (date: string) => new Date(`${date}T15:00:00Z`);
const REFUSAL = 'cancelling a payment plan needs the agent, supervisor or admin role';

/**
 * Cancelling a payment plan (CancelPlan, `POST /v1/promises/plans/{id}/cancel`) is for whoever
 * works the account: a user whose token carries the agent, supervisor or admin role (and the
 * tenant's API key). Any other user is refused with PERMISSION_DENIED naming the action and the
 * roles, over gRPC and REST, and the plan stays active with nothing announced.
 */
describe('who may cancel a payment plan with a user token (gRPC and REST, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: PromiseClient<typeof promises.PromisesServiceService>;

  const userToken = (roles: string[]) =>
    `Bearer ${signJwt({ tenant: sut.tenant, sub: `user-${roles.join('+') || 'none'}`, roles }, JWT_SECRET)}`;
  const apiKeyMd = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  const grpcAs = (roles: string[]): Metadata => metadataFromPrincipalHeaders({ authorization: userToken(roles) });

  const cancelRequest = (planId: string) => ({
    planId,
    reason: 'debtor takes a settlement instead',
    agentId: '',
    idempotencyKey: `cancel-${planId}`,
  });
  const restCancel = (planId: string, roles: string[]) =>
    fetch(`${sut.app.httpUrl}/v1/promises/plans/${planId}/cancel`, {
      method: 'POST',
      headers: { authorization: userToken(roles), 'content-type': 'application/json' },
      body: JSON.stringify(cancelRequest(planId)),
    });
  const grpcOutcome = async (call: Promise<unknown>) => {
    try {
      await call;
      return { code: status.OK, details: '' };
    } catch (err) {
      const e = err as ServiceError;
      return { code: e.code, details: e.details };
    }
  };

  /** A 300.00 USD plan on a new account, agreed with the tenant's API key. */
  async function newPlan(): Promise<string> {
    sut.clock.set(at('2026-03-02'));
    return weeklyPlanOf300({ client, md: apiKeyMd }, `acct-${randomUUID().slice(0, 8)}`);
  }

  const plan = async (planId: string) => (await client.getPlan({ planId }, apiKeyMd())).plan!;
  const cancelledEvents = async (planId: string) =>
    (await published(sut, 'collections.promises.v1.PlanCancelled')).filter((e) => e.planId === planId);

  beforeAll(async () => {
    sut = await startServiceUnderTest(promisesService, at('2026-03-02'));
    // The same service, answering user tokens too (the harness's accepts API keys only).
    const port = Number(new URL(sut.app.httpUrl).port);
    await sut.app.close();
    sut.app = await startNestApp({
      name: promisesService.name,
      services: [{ definition: promisesService, context: sut.context }],
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
    await sut?.close();
  });

  it.each(['agent', 'supervisor', 'admin'])(
    'lets a user with the %s role cancel a plan over gRPC and over REST, as the canceller',
    async (role) => {
      const overGrpc = await newPlan();
      const { plan: cancelled } = await client.cancelPlan(cancelRequest(overGrpc), grpcAs([role]));
      expect(cancelled).toMatchObject({ state: PlanState.PLAN_STATE_CANCELLED, cancelledBy: `user-${role}` });
      expect(await cancelledEvents(overGrpc)).toHaveLength(1);

      const overRest = await newPlan();
      const res = await restCancel(overRest, [role]);
      expect(res.status).toBe(200);
      expect(await plan(overRest)).toMatchObject({
        state: PlanState.PLAN_STATE_CANCELLED,
        cancelledBy: `user-${role}`,
      });
      expect(await cancelledEvents(overRest)).toHaveLength(1);
    },
  );

  it('records a user as the canceller even when the request names another agent', async () => {
    const planId = await newPlan();
    const { plan: cancelled } = await client.cancelPlan(
      { ...cancelRequest(planId), agentId: 'agent-someone-else' },
      grpcAs(['supervisor']),
    );
    expect(cancelled).toMatchObject({ state: PlanState.PLAN_STATE_CANCELLED, cancelledBy: 'user-supervisor' });
  });

  it.each([{ roles: ['compliance'] }, { roles: ['scoring-admin', 'platform-admin'] }, { roles: [] }])(
    'refuses a user with the roles $roles over gRPC and REST, naming the roles, and the plan stays active',
    async ({ roles }: { roles: string[] }) => {
      const planId = await newPlan();

      expect(await grpcOutcome(client.cancelPlan(cancelRequest(planId), grpcAs(roles)))).toEqual({
        code: status.PERMISSION_DENIED,
        details: REFUSAL,
      });
      const res = await restCancel(planId, roles);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({
        code: 'PERMISSION_DENIED',
        message: REFUSAL,
        details: { requiredRoles: ['agent', 'supervisor', 'admin'] },
      });

      expect(await plan(planId)).toMatchObject({ state: PlanState.PLAN_STATE_ACTIVE, cancelledBy: '' });
      expect(await cancelledEvents(planId)).toEqual([]);
    },
  );
});
