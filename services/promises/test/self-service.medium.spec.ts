import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ledger, promises } from '@collections/contracts';
import { PaymentLinkSigner, grpcClient, metadataFromPrincipalHeaders, parseLinkSecrets } from '@collections/platform';
import { RateWindows, rateDecision } from '@collections/runtime';
import { ServiceUnderTest, startServiceUnderTest, testEnv } from '@collections/testing';
import { ledgerService } from '@collections/ledger';
import { createPromisesService } from '../src/promises.service';
import { GetOffersUseCase } from '../src/negotiation/usecases/get-offers.usecase';
import { CreatePlanUseCase } from '../src/plans/usecases/create-plan.usecase';
import { CreateSettlementUseCase } from '../src/settlements/usecases/create-settlement.usecase';
import { SelfServiceSettings, SelfServiceUseCase } from '../src/self-service/usecases/self-service.usecase';
import { GrpcSettlementLedger, SettlementLedger } from '../src/settlements/ledger-port';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const SECRET = 'the-payment-link-secret-shared-with-the-orchestrator';
const DAY = 86_400_000;
const SELF_SERVICE: SelfServiceSettings = {
  secret: SECRET,
  perToken: { limit: 4, windowMs: 60_000 },
  perClient: { limit: 10, windowMs: 60_000 },
};

/** The payment-link landing API as the debtor's browser uses it: no API key, only the link's token. */
describe('self-service payment-link landing API (real ledger, real PostgreSQL)', () => {
  let ledgerSut: ServiceUnderTest;
  let sut: ServiceUnderTest;
  let ledgerPort: GrpcSettlementLedger;
  let ledgerClient: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  // What the orchestrator signs its links with (libs/platform), under the same secret.
  const orchestratorLinks = new PaymentLinkSigner(SECRET, 'https://pay.example/p');
  let n = 0;
  /** The real ledger, as the test tenant's (any instance of the service started here). */
  const viaLedger: SettlementLedger = {
    balanceOf: (...args) => ledgerPort.balanceOf(...args),
    standing: (...args) => ledgerPort.standing(...args),
    postDiscount: (...args) => ledgerPort.postDiscount(...args),
    close: () => undefined,
  };

  beforeAll(async () => {
    ledgerSut = await startServiceUnderTest(ledgerService);
    ledgerClient = grpcClient(ledger.LedgerServiceService, ledgerSut.app.grpcAddress);
    sut = await startServiceUnderTest(
      createPromisesService({
        ledger: viaLedger,
        selfService: SELF_SERVICE,
      }),
      undefined,
      // Deployed behind a proxy on this host (HTTP_TRUST_PROXY=loopback): its X-Forwarded-For counts.
      { trustProxy: ['loopback'] },
    );
    ledgerPort = new GrpcSettlementLedger(ledgerSut.app.grpcAddress, `${sut.tenant}:${ledgerSut.apiKey}`);
  });
  afterAll(async () => {
    ledgerClient.close();
    ledgerPort.close();
    await sut.close();
    await ledgerSut.close();
  });
  // Each test starts with fresh rate windows.
  beforeEach(() => sut.clock.advance(61_000));

  /** A ledger account owing `opening` USD, past due since 2026-01-05 (56 days on 2026-03-02). */
  async function newAccount(opening: number): Promise<string> {
    const id = `acct-${++n}-${randomUUID().slice(0, 6)}`;
    const md = metadataFromPrincipalHeaders({ apiKey: ledgerSut.apiKey });
    await ledgerClient.upsertDebtor(
      { debtor: ledger.Debtor.fromPartial({ debtorId: `d-${id}`, kind: 'person', displayName: 'Ana', country: 'CO' }) },
      md,
    );
    await ledgerClient.openAccount(
      ledger.OpenAccountRequest.fromPartial({
        accountId: id,
        externalRef: `crm-${id}`,
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: 'USD',
        openedOn: '2025-01-01',
        timeZone: 'UTC',
        debtors: [{ debtorId: `d-${id}`, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      }),
      md,
    );
    await ledgerClient.postCharge(
      {
        accountId: id,
        kind: ledger.EntryKind.ENTRY_KIND_CHARGE,
        amount: USD(opening),
        idempotencyKey: `open-${id}`,
        effectiveDate: '2026-01-05',
        memo: '',
      },
      md,
    );
    await ledgerClient.issueStatement(
      {
        accountId: id,
        cycle: 1,
        statementDate: '2026-01-05',
        dueDate: '2026-01-05',
        amountDue: USD(opening),
        minimumDue: USD(opening),
      },
      md,
    );
    return id;
  }

  const linkFor = (accountId: string, validForMs = 7 * DAY, tenantId = sut.tenant) =>
    orchestratorLinks.sign({ tenantId, accountId, expiresAt: new Date(sut.clock.now().getTime() + validForMs) }).token;

  const get = (token?: string, forwardedFor?: string) =>
    fetch(`${sut.app.httpUrl}/v1/self-service`, {
      headers: {
        ...(token ? { 'x-payment-link-token': token } : {}),
        ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
      },
    });
  const accept = (token: string, body: object) =>
    fetch(`${sut.app.httpUrl}/v1/self-service/accept`, {
      method: 'POST',
      headers: { 'x-payment-link-token': token, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const stored = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT (SELECT count(*)::int FROM promises.payment_plan WHERE account_id = $1) AS plans,
                (SELECT count(*)::int FROM promises.settlement WHERE account_id = $1) AS settlements`,
        [accountId],
      )) as { plans: number; settlements: number }[]
    )[0];

  it('shows the debtor their balance and the offers self-service may grant, with no API key', async () => {
    const accountId = await newAccount(90_000);
    const answer = await get(linkFor(accountId));
    expect(answer.status).toBe(200);
    const view = (await answer.json()) as {
      accountId: string;
      balance: unknown;
      daysPastDue: number;
      offers: { offerId: string; settlement?: { amount: unknown; discount: unknown }; plan?: { total: unknown } }[];
      linkExpiresAt: string;
    };
    expect(view).toMatchObject({ accountId, balance: USD(90_000), daysPastDue: 56 });
    // 56 days past due earns 10% off, all self-service may grant; plans up to 6 instalments.
    expect(view.offers.map((o) => o.offerId)).toEqual(['settlement', 'plan-3', 'plan-6']);
    expect(view.offers[0].settlement).toMatchObject({ amount: USD(81_000), discount: USD(9_000) });
    expect(view.offers[1].plan).toMatchObject({ total: USD(90_000) });
    expect(new Date(view.linkExpiresAt).getTime()).toBeGreaterThan(sut.clock.now().getTime());
  });

  it('lets the debtor accept an offer once: a plan taken by self-service on the web', async () => {
    const accountId = await newAccount(90_000);
    const token = linkFor(accountId);
    const first = await accept(token, { offerId: 'plan-6', idempotencyKey: 'click-1' });
    expect(first.status).toBe(201);
    const { plan } = (await first.json()) as {
      plan: { planId: string; takenBy: number; channel: number; instalments: unknown[] };
    };
    expect(plan).toMatchObject({
      takenBy: promises.TakenBy.TAKEN_BY_SELF_SERVICE,
      channel: promises.PlanChannel.PLAN_CHANNEL_WEB,
    });
    expect(plan.instalments).toHaveLength(7);
    const again = await accept(token, { offerId: 'plan-6', idempotencyKey: 'click-1' });
    expect(((await again.json()) as { plan: { planId: string } }).plan.planId).toBe(plan.planId);

    const settled = await accept(token, { offerId: 'settlement', idempotencyKey: 'click-2' });
    expect(settled.status).toBe(201);
    expect(((await settled.json()) as { settlement: { amount: unknown } }).settlement.amount).toEqual(USD(81_000));

    const unknown = await accept(token, { offerId: 'plan-24', idempotencyKey: 'click-3' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ message: 'offer plan-24 is not offered on this account now' });
    // (A second link for the account: the first has used up its requests for the minute.)
    expect((await accept(linkFor(accountId, 8 * DAY), { offerId: 'plan-3' })).status).toBe(400);
    expect(await stored(accountId)).toEqual({ plans: 1, settlements: 1 });
  });

  it('refuses expired, tampered, foreign and missing tokens with a clear error, and creates nothing', async () => {
    const accountId = await newAccount(50_000);
    const other = await newAccount(70_000);
    const expired = linkFor(accountId, 60_000);
    sut.clock.advance(60_000);
    const late = await get(expired);
    expect(late.status).toBe(401);
    expect(await late.json()).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'this payment link has expired; ask for a new one',
    });
    expect((await accept(expired, { offerId: 'plan-3', idempotencyKey: 'k' })).status).toBe(401);

    // The link is bound to its tenant and account: pointing it at another account breaks its signature.
    const [payload, mac] = linkFor(accountId).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${Buffer.from(JSON.stringify({ ...claims, a: other })).toString('base64url')}.${mac}`;
    const tampered = await get(forged);
    expect(tampered.status).toBe(403);
    expect(await tampered.json()).toEqual({
      code: 'PERMISSION_DENIED',
      message: 'this payment link is not valid (it was altered or not issued by us)',
    });
    const strangers = new PaymentLinkSigner('someone-elses-secret-of-at-least-32-bytes', 'https://evil.example');
    const foreign = strangers.sign({
      tenantId: sut.tenant,
      accountId,
      expiresAt: new Date(sut.clock.now().getTime() + DAY),
    });
    expect((await accept(foreign.token, { offerId: 'plan-3', idempotencyKey: 'k' })).status).toBe(403);
    expect((await get()).status).toBe(401);
    expect((await get('not-a-token')).status).toBe(401);
    // An API key is no way in either.
    const withKey = await fetch(`${sut.app.httpUrl}/v1/self-service`, { headers: { 'x-api-key': sut.apiKey } });
    expect(withKey.status).toBe(401);
    // The genuine link reads its own account only.
    const own = (await (await get(linkFor(other))).json()) as { accountId: string; balance: unknown };
    expect(own).toMatchObject({ accountId: other, balance: USD(70_000) });
    expect(await stored(accountId)).toEqual({ plans: 0, settlements: 0 });
  });

  it('answers 429 with Retry-After past the rate per link, and per client address', async () => {
    const links = await Promise.all([newAccount(10_000), newAccount(20_000), newAccount(30_000)]).then((ids) =>
      ids.map((id) => linkFor(id)),
    );
    for (let i = 0; i < 4; i++) expect((await get(links[0])).status).toBe(200);
    const limited = await get(links[0]);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/^too many requests for this payment link; retry in \d+ s$/),
    });
    // Another link from the same address is still served, until the address has made 10 requests.
    for (let i = 0; i < 4; i++) expect((await get(links[1])).status).toBe(200);
    expect((await get(links[2])).status).toBe(200);
    const byAddress = await get(links[2]);
    expect(byAddress.status).toBe(429);
    expect(await byAddress.json()).toMatchObject({ message: expect.stringMatching(/from this address/) });
    // Guessing tokens is throttled the same way.
    expect((await get('guess.guess')).status).toBe(429);

    sut.clock.advance(60_000);
    expect((await get(links[0])).status).toBe(200);
  });

  it('behind a trusted proxy, counts each debtor by the address the proxy saw, whatever address the debtor writes', async () => {
    const links = await Promise.all([1, 2, 3].map((i) => newAccount(10_000 * i))).then((ids) =>
      ids.map((id) => linkFor(id)),
    );
    // Ten requests from one debtor's address, over three links (at most four per link).
    for (let i = 0; i < 10; i++) expect((await get(links[i % 3], '198.51.100.1')).status).toBe(200);
    expect((await get(links[0], '198.51.100.1')).status).toBe(429);
    // Another debtor behind the same proxy is not held back by the first: their own address counts.
    expect((await get(links[1], '198.51.100.2')).status).toBe(200);
    // The first debtor writing another address before the proxy's is still counted by the proxy's.
    const spoofed = await get(links[2], '203.0.113.99, 198.51.100.1');
    expect(spoofed.status).toBe(429);
    expect(await spoofed.json()).toMatchObject({ message: expect.stringMatching(/from this address/) });
  });

  it('counts a link and an address across replicas: a second instance grants no extra requests', async () => {
    // Another replica of the service: its own objects, the same database.
    const nest = sut.app.app;
    const replica = new SelfServiceUseCase(
      sut.context,
      SELF_SERVICE,
      nest.get(GetOffersUseCase),
      nest.get(CreatePlanUseCase),
      nest.get(CreateSettlementUseCase),
    );
    const [first, second] = await Promise.all([newAccount(10_000), newAccount(20_000)]);
    const viaReplica = (token: string, clientAddress: string) =>
      replica.view({ token, clientAddress }).then(
        () => 'ok',
        (err: { code?: string }) => err.code,
      );
    // Two requests through the HTTP instance, two through the replica: the link's four.
    const link = linkFor(first);
    for (let i = 0; i < 2; i++) expect((await get(link)).status).toBe(200);
    expect(await viaReplica(link, '203.0.113.7')).toBe('ok');
    expect(await viaReplica(link, '203.0.113.8')).toBe('ok');
    expect(await viaReplica(link, '203.0.113.9')).toBe('RATE_LIMITED');
    expect((await get(link)).status).toBe(429);

    // Twelve at once from one address over both replicas, on a fresh link: exactly four served.
    sut.clock.advance(61_000);
    const fresh = linkFor(second);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 2 === 0 ? get(fresh).then((r) => (r.status === 200 ? 'ok' : String(r.status))) : viaReplica(fresh, '::1'),
      ),
    );
    expect(answers.filter((a) => a === 'ok')).toHaveLength(4);
    // The other eight refused, whichever instance they reached (HTTP 429, or the use case's RATE_LIMITED).
    expect(answers.filter((a) => a === '429' || a === 'RATE_LIMITED')).toHaveLength(8);

    // What is kept: digests, never a token or an address.
    const keys = (await sut.dataSource.query(`SELECT rate_key, tenant_id FROM promises.payment_link_rate_window`)) as {
      rate_key: string;
      tenant_id: string | null;
    }[];
    expect(keys.length).toBeGreaterThan(0);
    for (const { rate_key: key } of keys) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect([link, fresh, '::1', '203.0.113.7'].some((raw) => key.includes(raw))).toBe(false);
    }
    expect(keys.filter((k) => k.tenant_id === sut.tenant).length).toBeGreaterThanOrEqual(2);
  });

  it('never serves more than the limit in a window, and refuses only once the limit was served', async () => {
    const windows = new RateWindows('payment_link_rate_window', 60_000);
    const t0 = sut.clock.now().getTime();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1_000, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 30_000 }), { maxLength: 40 }),
        async (limit, windowMs, raw) => {
          const rate = { limit, windowMs };
          const key = `property:${randomUUID()}`;
          const servedIn = new Map<number, number>();
          for (const offset of [...raw].sort((x, y) => x - y)) {
            const now = t0 + offset;
            const window = await windows.hit(sut.dataSource.manager, key, sut.tenant, rate, new Date(now));
            const decision = rateDecision(rate, window, now);
            const served = servedIn.get(window.startMs) ?? 0;
            if (decision.allowed) servedIn.set(window.startMs, served + 1);
            else {
              expect(served).toBe(limit);
              expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
              expect(decision.retryAfterSeconds).toBeLessThanOrEqual(Math.ceil(windowMs / 1000));
            }
            expect(now - window.startMs).toBeGreaterThanOrEqual(0);
            expect(now - window.startMs).toBeLessThan(windowMs);
          }
          for (const served of servedIn.values()) expect(served).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 30 },
    );
  });
  /**
   * PAYMENT_LINK_SECRET rotated as the README says, the service restarted (redeployed) at each
   * step with the setting it reads at boot: add the new key after the old, make it first, remove
   * the old. Links the orchestrator signed under the old secret, before key ids, open until then.
   */
  describe('through a rotation of PAYMENT_LINK_SECRET (the setting read at boot)', () => {
    const OLD = 'the-old-payment-link-secret-of-at-least-32-bytes';
    const NEW = 'the-new-payment-link-secret-of-at-least-32-bytes';
    const setSecret = testEnv('PAYMENT_LINK_SECRET');
    let rotating: ServiceUnderTest;

    /** The orchestrator signing under `setting`, as it reads PAYMENT_LINK_SECRET. */
    const orchestratorUnder = (setting: string) => {
      const keys = parseLinkSecrets(setting);
      if (!keys.ok) throw new Error(keys.problem);
      return new PaymentLinkSigner(keys.value, 'https://pay.example/p');
    };
    const signUnder = (setting: string, accountId: string) =>
      orchestratorUnder(setting).sign({
        tenantId: sut.tenant,
        accountId,
        expiresAt: new Date(rotating.clock.now().getTime() + 7 * DAY),
      }).token;
    const open = (token: string) =>
      fetch(`${rotating.app.httpUrl}/v1/self-service`, { headers: { 'x-payment-link-token': token } });
    const restartWith = async (setting: string) => {
      setSecret(setting);
      await rotating.restart();
    };

    beforeAll(async () => {
      setSecret(OLD);
      rotating = await startServiceUnderTest(createPromisesService({ ledger: viaLedger }));
    });
    afterAll(() => rotating.close());

    it('opens links signed under the old secret until the old key is removed, and refuses them then as altered ones', async () => {
      const accountId = await newAccount(40_000);
      // Sent before the rotation: one secret, no key id.
      const sentBefore = signUnder(OLD, accountId);
      expect(sentBefore.split('.')).toHaveLength(2);
      expect((await open(sentBefore)).status).toBe(200);

      // 1. The new key added after the old one: links are still signed as before, and both open.
      await restartWith(`legacy:${OLD},k2027:${NEW}`);
      expect(signUnder(`legacy:${OLD},k2027:${NEW}`, accountId)).toBe(sentBefore);
      expect((await open(sentBefore)).status).toBe(200);

      // 2. The new key first: new links name it; the old ones still open.
      await restartWith(`k2027:${NEW},legacy:${OLD}`);
      const sentAfter = signUnder(`k2027:${NEW},legacy:${OLD}`, accountId);
      expect(sentAfter.startsWith('k2027.')).toBe(true);
      const view = await open(sentBefore);
      expect(view.status).toBe(200);
      expect(await view.json()).toMatchObject({ accountId, balance: USD(40_000) });
      expect((await open(sentAfter)).status).toBe(200);

      // 3. The old key removed: its links are refused exactly as an altered one, and the operator
      // is told which key they named (never the token).
      await restartWith(`k2027:${NEW}`);
      const warn = jest.spyOn(rotating.context.logger, 'warn');
      const refused = await open(sentBefore);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({
        code: 'PERMISSION_DENIED',
        message: 'this payment link is not valid (it was altered or not issued by us)',
      });
      const logged = warn.mock.calls.map((call) => JSON.stringify(call));
      expect(logged.some((line) => line.includes('"keyId":"legacy"') && line.includes('PAYMENT_LINK_SECRET'))).toBe(
        true,
      );
      for (const line of logged) expect(line).not.toContain(sentBefore);
      warn.mockRestore();
      expect((await open(sentAfter)).status).toBe(200);
      expect(await stored(accountId)).toEqual({ plans: 0, settlements: 0 });
    });

    it('refuses to boot on a setting with a short secret or a key named twice, naming the variable, never a secret', async () => {
      for (const setting of ['short-secret', `k2027:${NEW},k2027:${OLD}`]) {
        setSecret(setting);
        const boot = startServiceUnderTest(createPromisesService({ ledger: viaLedger }));
        await expect(boot).rejects.toThrow(/PAYMENT_LINK_SECRET/);
        await boot.catch((err: Error) => {
          for (const secret of ['short-secret', NEW, OLD]) expect(err.message).not.toContain(secret);
        });
      }
    });
  });
});
