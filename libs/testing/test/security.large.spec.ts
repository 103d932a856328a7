import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client, Metadata, ServiceError, credentials, loadPackageDefinition, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  ledgerLifecycle,
  orchestrator,
  orchestratorAgents,
  orchestratorCreditors,
  promises,
  scoring,
  simulation,
} from '@collections/contracts';
import { PaymentLinkSigner, freePort, grpcClient, signJwt } from '@collections/platform';
import { OptOutLinkSigner } from '../../../services/orchestrator/src/templates/domain/opt-out-link.signer';
import {
  ContactSource,
  PlatformClient,
  SIMULATION_START,
  SIMULATION_STRATEGY,
  SIMULATION_STRATEGY_ID,
  contactDirectory,
  generatePortfolio,
  runSimulation,
  startProviderStandIns,
  startSmtpCatcher,
} from '@collections/simulator';
import {
  DocumentedOperation,
  OPENAPI_SERVICES,
  RunningProcess,
  documentedOperations,
  newTenant,
  readOpenApiDocument,
  startProcess,
  waitForHttp,
} from '../src';

/*
 * Issue 8's acceptance, over the embedded platform (what `npm start` runs) started as a user
 * would, on free ports: every REST route (enumerated from the services' OpenAPI documents) and
 * every gRPC method (enumerated by server reflection) refuses a caller without credentials; the
 * public ones refuse bad signatures and tokens instead; tenant B never reaches tenant A's
 * resources by their real ids; the payment-link API is rate limited and refuses altered and
 * expired links; the tenant's configuration is changed only by the roles allowed to change it
 * (an agent's token is refused and changes nothing; the role's token and the API key succeed),
 * every write being classified; and the personal data of a seeded portfolio (imported, paid,
 * contacted, replied) never shows in any log line the platform prints.
 */
jest.setTimeout(1_500_000);

const REPO = join(__dirname, '..', '..', '..');
const PROTO_ROOT = join(REPO, 'proto');
const SEED = 'security';
const SIM_ACCOUNTS = 4;
const SIM_DAYS = 12;
const PAYMENT_LINK_SECRET = 'security-test-payment-link-secret-0123456789';
/** The platform accepts user tokens (HS256) signed with it, as an identity provider would issue them. */
const JWT_SECRET = 'security-test-jwt-secret-0123456789abcdef';
const DAY_MS = 86_400_000;

/** Distinctive personal data: any of these in a log line is a leak. */
const PII = {
  debtorId: 'dbt-sec-a-1',
  displayName: 'Xiomara Quintanilla-Wexford',
  nationalId: 'ZQX7731904K',
  phone: '+573009871234',
  email: 'xiomara.wexford@pii-probe.example',
  address: 'Carrera 93B 11A-84 Apto 702 Bogota',
  importedName: 'Wilhelmina Oyelaran-Castellanos',
  bankAccount: 'CO99887766554433',
  replyText: 'Hola soy Xiomara Quintanilla-Wexford, pagare el viernes',
};

function protoFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return protoFiles(path);
    return name.endsWith('.proto') ? [path] : [];
  });
}

interface Answer {
  status: number;
  text: string;
  json: Record<string, unknown> | undefined;
  headers: Headers;
}

describe('security (embedded platform, two tenants)', () => {
  const a = newTenant();
  const b = newTenant();
  let platform: RunningProcess;
  let dataDir: string;
  let http = '';
  let grpc = '';
  let databaseUrl = '';
  /** Every byte every process of the platform printed (the import CLI's too). */
  let logs = '';
  const sources: ContactSource[] = [];
  const piiContacts: string[] = [];
  let smsAuthToken = '';
  let clientA: PlatformClient;
  /** Tenant A's real ids, one per kind of resource a route names. */
  const ids: Record<string, string> = {};
  /** A stricter contact law for Peru: consent required on every channel (REST form of the override). */
  const PERU_OVERRIDE = { consent: { required: true } };
  /** A creditor profile (REST form) for US debtors: an EIN. */
  const CREDITOR_PROFILE = (legalName: string) => ({
    creditor: { legalName, taxIdKind: 'TAX_ID_KIND_EIN', taxId: '12-3456789' },
  });

  const operations: (DocumentedOperation & { service: string })[] = OPENAPI_SERVICES.flatMap((service) =>
    documentedOperations(readOpenApiDocument(service)).map((o) => ({ ...o, service })),
  );

  async function rest(
    method: string,
    path: string,
    options: { key?: string | null; headers?: Record<string, string>; body?: unknown; raw?: string } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.key) headers['x-api-key'] = options.key;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${http}${path}`, { method: method.toUpperCase(), headers, body });
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers };
  }

  /** A call tenant A makes to seed its data: it must succeed. */
  async function asA(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await rest(method, path, { key: a.apiKey, body });
    if (res.status >= 300) throw new Error(`${method} ${path} as A answered ${res.status}: ${res.text.slice(0, 400)}`);
    return res.json ?? {};
  }

  const money = (amountMinor: number) => ({ amountMinor, currency: 'COP' });

  beforeAll(async () => {
    // Contacts go to a real SMTP server and the Twilio/WhatsApp stand-ins; the directory knows the
    // simulated debtors and the seeded one.
    const directory = contactDirectory(generatePortfolio(SEED, SIM_ACCOUNTS));
    const smtp = await startSmtpCatcher((address) =>
      address === PII.email ? PII.debtorId : directory.byEmail(address),
    );
    const providers = await startProviderStandIns((channel, to) =>
      to.replace(/^whatsapp:/, '').replace(/^(?!\+)/, '+') === PII.phone
        ? PII.debtorId
        : directory.byPhone(channel, to),
    );
    smsAuthToken = providers.platformEnv.TWILIO_AUTH_TOKEN;
    // The simulator reacts to its own debtors' contacts; the seeded debtor's are counted here.
    for (const source of [smtp.source, providers.source])
      sources.push({
        name: source.name,
        close: () => source.close(),
        collect: async () => {
          const arrived = await source.collect();
          for (const c of arrived) if (c.debtorId === PII.debtorId) piiContacts.push(c.channel);
          return arrived;
        },
      });

    dataDir = mkdtempSync(join(tmpdir(), 'security-'));
    const [pgPort, httpPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
    http = `http://127.0.0.1:${httpPort}`;
    grpc = `127.0.0.1:${grpcPort}`;
    platform = startProcess('embedded platform', process.execPath, [join(REPO, 'deploy/embedded/dist/main.js')], {
      ...smtp.platformEnv,
      ...providers.platformEnv,
      EMBEDDED_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      API_KEYS: `${a.apiKeys},${b.apiKeys}`,
      PLATFORM_CLOCK: 'simulated',
      PLATFORM_CLOCK_START: SIMULATION_START,
      PAYMENT_LINK_SECRET,
      JWT_SECRET,
      // The voice channel on too, so its webhook verifies signatures rather than answering 404.
      TWILIO_VOICE_FROM_NUMBERS: '+15005550007',
      // The most a log says: a leak at any level is a leak.
      LOG_LEVEL: 'debug',
    });
    const keep = (chunk: Buffer) => {
      logs += chunk.toString('utf8');
    };
    platform.child.stdout?.on('data', keep);
    platform.child.stderr?.on('data', keep);
    await waitForHttp(platform, `${http}/health`, 600_000);
    databaseUrl = /\(psql (postgres[^)\s]+)\)/.exec(platform.output())?.[1] ?? '';
    clientA = new PlatformClient({ http, grpc, apiKey: a.apiKey });

    // Tenant A: the strategy first, then a debtor with every kind of personal data, an account
    // whose statement falls due during the run (so the seeded debtor is e-mailed, texted and
    // escalated), and a second debtor whose accounts carry the payment, hold, plan, settlement
    // and approval.
    await asA('put', `/v1/orchestrator/strategies/${SIMULATION_STRATEGY_ID}`, SIMULATION_STRATEGY);
    await asA('put', `/v1/ledger/debtors/${PII.debtorId}`, {
      kind: 'person',
      displayName: PII.displayName,
      nationalId: PII.nationalId,
      contactPoints: [
        { type: 'email', value: PII.email, verified: true, consentedChannels: ['email'] },
        { type: 'phone', value: PII.phone, verified: true, consentedChannels: ['sms', 'whatsapp', 'call'] },
        { type: 'address', value: PII.address, verified: true, consentedChannels: ['letter'] },
      ],
      timeZone: 'America/Bogota',
      language: 'es',
      country: 'CO',
    });
    await asA('put', '/v1/ledger/debtors/dbt-sec-a-2', {
      kind: 'person',
      displayName: 'Second Debtor',
      timeZone: 'America/Bogota',
      country: 'CO',
    });
    const start = new Date(SIMULATION_START);
    const date = (days: number) => new Date(start.getTime() + days * DAY_MS).toISOString().slice(0, 10);
    const open = async (accountId: string, debtorId: string) => {
      await asA('post', '/v1/ledger/accounts', {
        accountId,
        externalRef: `crm-${accountId}`,
        product: 'PRODUCT_CREDIT_CARD',
        currency: 'COP',
        openedOn: date(0),
        timeZone: 'America/Bogota',
        debtors: [{ debtorId }],
      });
      await asA('post', `/v1/ledger/accounts/${accountId}/charges`, {
        kind: 'ENTRY_KIND_CHARGE',
        amount: money(200_000_000),
        idempotencyKey: `charge-${accountId}`,
        effectiveDate: date(0),
      });
    };
    ids.accountId = 'acct-sec-a-1';
    ids.debtorId = PII.debtorId;
    await open(ids.accountId, PII.debtorId);
    await asA('post', `/v1/ledger/accounts/${ids.accountId}/statements`, {
      cycle: 1,
      statementDate: date(0),
      dueDate: date(4),
      amountDue: money(200_000_000),
      minimumDue: money(20_000_000),
    });
    for (const n of [2, 3, 4, 5]) await open(`acct-sec-a-${n}`, 'dbt-sec-a-2');
    const paid = await asA('post', '/v1/ledger/accounts/acct-sec-a-2/payments', {
      amount: money(1_000_000),
      idempotencyKey: 'pay-sec-a-2',
    });
    ids.paymentId = String(paid.paymentId);
    const hold = await asA('post', '/v1/ledger/debtors/dbt-sec-a-2/holds', {
      kind: 'HOLD_KIND_DISPUTE',
      source: 'security test',
      startsOn: date(0),
      idempotencyKey: 'hold-sec-a-2',
    });
    ids.holdId = String(hold.holdId);

    // A bank statement with a credit nobody can match: a file and an item in the review queue.
    const file = await rest('post', '/v1/ledger/reconciliation/files?kind=bank_csv&name=security.csv', {
      key: a.apiKey,
      headers: { 'content-type': 'text/csv' },
      raw: [
        'booking_date,value_date,amount,currency,reference,counterparty_account,bank_reference',
        `${date(0)},${date(0)},123.45,COP,Abono ${PII.importedName},${PII.bankAccount},BNK-SEC-1`,
      ].join('\n'),
    });
    expect(file.status).toBe(200);
    ids.fileId = String(file.json?.fileId);
    // A file the bank exported with its columns in another order: the payer's name and account
    // number land where the amount and currency should be, and the file is refused.
    const refused = await rest('post', '/v1/ledger/reconciliation/files?kind=bank_csv&name=shifted.csv', {
      key: a.apiKey,
      headers: { 'content-type': 'text/csv' },
      raw: [
        'booking_date,value_date,amount,currency,reference,counterparty_account,bank_reference',
        `${date(0)},${date(0)},${PII.importedName},${PII.bankAccount},123.45,COP,BNK-SEC-2`,
      ].join('\n'),
    });
    expect(refused.json).toMatchObject({ rejected: 1 });
    const unmatched = await asA('get', `/v1/ledger/reconciliation/items/unmatched?fileId=${ids.fileId}`);
    ids.itemId = String((unmatched.items as { itemId: string }[])[0]?.itemId);

    // A portfolio import through the operator's command, against the platform's own database.
    const portfolio = join(dataDir, 'portfolio.csv');
    writeFileSync(
      portfolio,
      [
        'record,external_ref,debtor_id,debtor_kind,debtor_name,debtor_time_zone,debtor_language,debtor_country,product,currency,credit_limit,opening_balance,opened_on,reference,amount,date',
        `account,IMP-SEC-1,dbt-sec-imp-1,person,${PII.importedName},America/Bogota,es,CO,credit_card,COP,0,1500.00,${date(0)},,,`,
        `payment,IMP-SEC-1,,,,,,,,COP,,,,imp-pay-1,100.00,${date(0)}`,
      ].join('\n'),
    );
    const imported = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          join(REPO, 'services/ledger/dist/imports/cli/import.js'),
          '--file',
          portfolio,
          '--tenant',
          a.tenant,
          '--format',
          'generic-csv',
        ],
        { env: { ...process.env, DATABASE_URL: databaseUrl, DB_SCHEMA: 'ledger' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
      child.on('exit', (code) => resolve({ code, out }));
    });
    logs += imported.out;
    expect({ code: imported.code, out: imported.out.slice(-500) }).toMatchObject({ code: 0 });
    await clientA.drained();

    // Promises: a plan, a settlement, and an agent's plan beyond the agent's limits (held for approval).
    const plan = await asA('post', '/v1/promises/plans', {
      accountId: 'acct-sec-a-3',
      total: money(200_000_000),
      instalments: 6,
      frequency: 'PLAN_FREQUENCY_MONTHLY',
      firstDate: date(7),
      channel: 'PLAN_CHANNEL_CALL',
      takenBy: 'TAKEN_BY_AGENT',
      agentId: 'agent-sec-a',
      idempotencyKey: 'plan-sec-a-3',
    });
    ids.planId = String((plan.plan as { planId: string }).planId);
    const settlement = await asA('post', '/v1/promises/settlements', {
      accountId: 'acct-sec-a-4',
      amount: money(160_000_000),
      dueDate: date(10),
      channel: 'PLAN_CHANNEL_CALL',
      takenBy: 'TAKEN_BY_AGENT',
      agentId: 'agent-sec-a',
      idempotencyKey: 'settle-sec-a-4',
    });
    ids.settlementId = String((settlement.settlement as { settlementId: string }).settlementId);
    // A single promise: taken over gRPC only (no REST route creates one).
    const promisesOfA = grpcClient(promises.PromisesServiceService, grpc);
    const { promise } = await promisesOfA.createPromise(
      { accountId: 'acct-sec-a-3', amount: money(100_000), dueDate: date(10), idempotencyKey: 'promise-sec-a-3' },
      grpcAuth({ apiKey: a.apiKey }),
    );
    promisesOfA.close();
    ids.promiseId = promise!.promiseId;
    const held = await asA('post', '/v1/promises/plans', {
      accountId: 'acct-sec-a-5',
      total: money(200_000_000),
      instalments: 30,
      frequency: 'PLAN_FREQUENCY_MONTHLY',
      firstDate: date(7),
      channel: 'PLAN_CHANNEL_CALL',
      takenBy: 'TAKEN_BY_AGENT',
      agentId: 'agent-sec-a',
      idempotencyKey: 'plan-sec-a-5',
    });
    ids.approvalId = String((held.approval as { approvalId: string }).approvalId);
    await asA('put', '/v1/orchestrator/agents/agent-sec-a', { name: 'Agent A', skills: ['call'], capacity: 3 });
    ids.agentId = 'agent-sec-a';
    ids.strategyId = SIMULATION_STRATEGY_ID;
    ids.version = '1';
    await asA('put', '/v1/orchestrator/creditor-profiles/US', CREDITOR_PROFILE('Creditor of A'));
    ids.country = 'US';
    // A's stricter contact law for Peru (its debtors are in the US): the override is A's alone.
    await asA('put', '/v1/orchestrator/contact-rules/PE/override', PERU_OVERRIDE);
    ids.jurisdiction = 'PE';

    // The days pass: debtors pay, promise and are contacted; the seeded debtor is reminded,
    // texted, written to on WhatsApp and escalated to an agent.
    await runSimulation(clientA, { accounts: SIM_ACCOUNTS, days: SIM_DAYS, seed: SEED, contactSources: sources });

    // The seeded debtor answers the SMS (a signed Twilio inbound message carrying their name).
    const url = `${http}/webhooks/${a.tenant}/sms`;
    const params = { From: PII.phone, To: '+15005550006', Body: PII.replyText, MessageSid: 'SMsecurity1' };
    const signed =
      url +
      Object.keys(params)
        .sort()
        .map((k) => k + params[k as keyof typeof params])
        .join('');
    const reply = await rest('post', `/webhooks/${a.tenant}/sms`, {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': createHmac('sha1', smsAuthToken).update(signed).digest('base64'),
      },
      raw: new URLSearchParams(params).toString(),
    });
    expect(reply.status).toBe(200);
    await clientA.drained();

    const tasks = await asA('get', '/v1/orchestrator/agent-tasks?state=open');
    ids.taskId = String((tasks.tasks as { taskId: string }[] | undefined)?.[0]?.taskId);
  });

  afterAll(async () => {
    clientA?.close();
    await platform?.stop();
    for (const source of sources) await source.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The seeded resources' ids and the seeded personal data: what tenant B must never see. */
  const secretsOfA = () => [...Object.values(ids).filter((v) => v.length > 3), ...Object.values(PII)];

  it('exercised what it claims: contacts reached the seeded debtor, an agent task exists, the ids are real', () => {
    expect([...new Set(piiContacts)].sort()).toEqual(expect.arrayContaining(['email', 'sms']));
    expect(Object.entries(ids).filter(([, v]) => !v || v === 'undefined')).toEqual([]);
  });

  it('refuses every non-public REST route of every OpenAPI document without credentials or with a bad one (401)', async () => {
    const protectedOps = operations.filter((o) => !o.public);
    expect(protectedOps.length).toBeGreaterThan(50);
    // Routes the platform serves beside the services' documents (embedded only).
    const extra = [
      { method: 'get', path: '/v1/platform/simulation/clock' },
      { method: 'post', path: '/v1/platform/simulation/clock/advance' },
      { method: 'get', path: '/v1/platform/simulation/backlog' },
    ];
    const failures: string[] = [];
    for (const { method, path } of [...protectedOps, ...extra]) {
      const concrete = path.replace(/\{[^}]+\}/g, 'x');
      for (const [how, headers] of [
        ['no credentials', {}],
        ['a bad API key', { 'x-api-key': 'not-a-key' }],
        ['a bad bearer token', { authorization: 'Bearer not.a.token' }],
        ["tenant A's key with a space", { 'x-api-key': ` ${a.apiKey}x` }],
      ] as [string, Record<string, string>][]) {
        const res = await rest(method, concrete, { headers, body: method === 'get' ? undefined : {} });
        if (res.status !== 401 || res.json?.code !== 'UNAUTHENTICATED')
          failures.push(`${method.toUpperCase()} ${path} with ${how}: ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers the public routes without credentials, and refuses their bad signatures and tokens instead', async () => {
    const now = new Date((await clientA.simulation.getClock({}, clientA.auth)).now!);
    const signer = new PaymentLinkSigner(PAYMENT_LINK_SECRET, 'https://pay.example/p');
    const link = (expiresAt: Date, accountId = ids.accountId) =>
      signer.sign({ tenantId: a.tenant, accountId, expiresAt }).token;
    const valid = link(new Date(now.getTime() + 7 * DAY_MS));
    const [payload, mac] = valid.split('.');
    const otherPayload = Buffer.from(
      JSON.stringify({ v: 1, t: a.tenant, a: 'acct-sec-a-2', e: Math.floor(now.getTime() / 1000) + 86_400 }),
    ).toString('base64url');
    const badTokens: [string, string | undefined, number][] = [
      ['no token', undefined, 401],
      ['a malformed token', 'not-a-token', 401],
      ['an expired token', link(new Date(now.getTime() - 60_000)), 401],
      ['another payload under the same signature', `${otherPayload}.${mac}`, 403],
      ['an altered signature', `${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`, 403],
      [
        'a token signed under another secret',
        new PaymentLinkSigner('another-secret-another-secret-0123456789', '').sign({
          tenantId: a.tenant,
          accountId: ids.accountId,
          expiresAt: new Date(now.getTime() + DAY_MS),
        }).token,
        403,
      ],
    ];
    const twilio = (path: string) => async () => {
      const problems: string[] = [];
      for (const [how, headers] of [
        ['no signature', {}],
        ['a bad signature', { 'x-twilio-signature': 'c2lnbmF0dXJl' }],
      ] as [string, Record<string, string>][]) {
        const res = await rest('post', path, {
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          raw: new URLSearchParams({ From: PII.phone, Body: 'STOP', MessageSid: 'SMforged' }).toString(),
        });
        if (res.status !== 403) problems.push(`POST ${path} with ${how}: ${res.status}`);
      }
      return problems;
    };
    /** An e-mail's opt-out link refuses what it did not sign (400, no detail), on its page and its one-click POST. */
    const optOutRefusals = async (method: 'get' | 'post') => {
      const forged = new OptOutLinkSigner('another-secret-another-secret-0123456789', '').sign({
        tenantId: a.tenant,
        channel: 'email',
        deliveryId: 'forged',
      }).token;
      const problems: string[] = [];
      for (const [how, token] of [
        ['a malformed token', 'not-a-token'],
        ['a token signed under another secret', forged],
        ['a payment link', valid],
      ]) {
        const res = await rest(method, `/opt-out/${token}`);
        if (res.status !== 400) problems.push(`${method.toUpperCase()} /opt-out with ${how}: ${res.status}, not 400`);
        for (const secret of secretsOfA())
          if (res.text.includes(secret)) problems.push(`${method.toUpperCase()} /opt-out with ${how} shows ${secret}`);
      }
      return problems;
    };
    const checks: Record<string, (op: DocumentedOperation) => Promise<string[]>> = {
      getOpenApiDocument: async (op) => {
        const res = await rest('get', op.path);
        return res.status === 200 && /^3\.1/.test(String(res.json?.openapi)) ? [] : [`GET ${op.path}: ${res.status}`];
      },
      getSelfServiceView: async () => {
        const problems: string[] = [];
        for (const [how, token, expected] of badTokens) {
          const res = await rest('get', '/v1/self-service', {
            headers: token === undefined ? {} : { 'x-payment-link-token': token },
          });
          if (res.status !== expected)
            problems.push(`GET /v1/self-service with ${how}: ${res.status}, not ${expected}`);
          for (const secret of secretsOfA())
            if (res.text.includes(secret)) problems.push(`GET /v1/self-service with ${how} shows ${secret}`);
        }
        const ok = await rest('get', '/v1/self-service', { headers: { 'x-payment-link-token': valid } });
        if (ok.status !== 200 || ok.json?.accountId !== ids.accountId)
          problems.push(`GET /v1/self-service with a valid token: ${ok.status} ${ok.text.slice(0, 200)}`);
        return problems;
      },
      acceptSelfServiceOffer: async () => {
        const problems: string[] = [];
        for (const [how, token, expected] of badTokens) {
          const res = await rest('post', '/v1/self-service/accept', {
            headers: token === undefined ? {} : { 'x-payment-link-token': token },
            body: { offerId: 'settlement', idempotencyKey: `forged-${how}` },
          });
          if (res.status !== expected)
            problems.push(`POST /v1/self-service/accept with ${how}: ${res.status}, not ${expected}`);
        }
        return problems;
      },
      optOutPage: async () => optOutRefusals('get'),
      optOut: async () => optOutRefusals('post'),
      smsWebhook: twilio(`/webhooks/${a.tenant}/sms`),
      callWebhook: twilio(`/webhooks/${a.tenant}/call`),
      whatsappWebhookHandshake: async () => {
        const res = await rest(
          'get',
          `/webhooks/${a.tenant}/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=123`,
        );
        return res.status === 403 ? [] : [`GET whatsapp handshake with a wrong verify token: ${res.status}`];
      },
      whatsappWebhook: async () => {
        const problems: string[] = [];
        for (const [how, headers] of [
          ['no signature', {}],
          ['a bad signature', { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }],
        ] as [string, Record<string, string>][]) {
          const res = await rest('post', `/webhooks/${a.tenant}/whatsapp`, {
            headers,
            body: { object: 'whatsapp_business_account', entry: [] },
          });
          if (res.status !== 403) problems.push(`POST whatsapp webhook with ${how}: ${res.status}`);
        }
        return problems;
      },
    };
    const publicOps = operations.filter((o) => o.public);
    // A new public route must come with the check of how it refuses what it should.
    expect(publicOps.map((o) => o.op.operationId).filter((id) => !checks[id!])).toEqual([]);
    const problems: string[] = [];
    for (const op of publicOps) problems.push(...(await checks[op.op.operationId!](op)));
    for (const path of ['/health', '/ready', '/metrics'])
      if ((await rest('get', path)).status !== 200) problems.push(`GET ${path} is not public`);
    expect(problems).toEqual([]);
  });

  /** Every gRPC service the server lists by reflection, with its methods from proto/. */
  async function reflectedMethods() {
    const reflectionProto = join(
      dirname(require.resolve('@grpc/reflection', { paths: [join(REPO, 'libs/platform')] })),
      '..',
      'proto/grpc/reflection/v1/reflection.proto',
    );
    const reflection = loadPackageDefinition(loadSync(reflectionProto, { keepCase: true })) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (address: string, creds: unknown) => Client } } };
    };
    const client = new reflection.grpc.reflection.v1.ServerReflection(grpc, credentials.createInsecure()) as Client & {
      ServerReflectionInfo(): NodeJS.ReadWriteStream & { write(m: unknown): void; end(): void };
    };
    const names = await new Promise<string[]>((resolve, reject) => {
      const stream = client.ServerReflectionInfo();
      stream.on('data', (r: { list_services_response?: { service: { name: string }[] } }) => {
        resolve((r.list_services_response?.service ?? []).map((s) => s.name));
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ list_services: '' });
    });
    client.close();
    const definitions = loadSync(protoFiles(join(PROTO_ROOT, 'collections')), {
      includeDirs: [PROTO_ROOT],
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const services = names.filter((n) => !n.startsWith('grpc.'));
    const unknown = services.filter((n) => !definitions[n]);
    const methods = services.flatMap((name) =>
      Object.entries((definitions[name] ?? {}) as Record<string, unknown>).map(([method, def]) => ({
        service: name,
        method,
        def: def as {
          path: string;
          requestStream: boolean;
          responseStream: boolean;
          requestSerialize(v: unknown): Buffer;
          responseDeserialize(b: Buffer): unknown;
          requestType: { type: { field: { name: string; jsonName?: string; type: string }[] } };
        },
      })),
    );
    return { services, unknown, methods };
  }

  function unary(
    client: Client,
    m: Awaited<ReturnType<typeof reflectedMethods>>['methods'][number],
    request: unknown,
    metadata: Metadata,
  ): Promise<{ code: number; value?: unknown; details?: string }> {
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        m.def.path,
        (v: unknown) => m.def.requestSerialize(v),
        (b: Buffer) => m.def.responseDeserialize(b),
        request,
        metadata,
        { deadline: Date.now() + 60_000 },
        (err: ServiceError | null, value?: unknown) =>
          resolve(err ? { code: err.code, details: err.details } : { code: status.OK, value }),
      );
    });
  }

  it('refuses every gRPC method the server reflects without credentials or with a bad one (UNAUTHENTICATED)', async () => {
    const { services, unknown, methods } = await reflectedMethods();
    expect(unknown).toEqual([]);
    expect(services).toEqual(
      expect.arrayContaining([
        'collections.ledger.v1.LedgerService',
        'collections.promises.v1.PromisesService',
        'collections.platform.v1.SimulationService',
      ]),
    );
    expect(methods.length).toBeGreaterThan(40);
    const client = new Client(grpc, credentials.createInsecure());
    const failures: string[] = [];
    for (const m of methods) {
      expect({ path: m.def.path, streaming: m.def.requestStream || m.def.responseStream }).toEqual({
        path: m.def.path,
        streaming: false,
      });
      for (const [how, pairs] of [
        ['no credentials', []],
        ['a bad API key', [['x-api-key', 'not-a-key']]],
        ['a bad bearer token', [['authorization', 'Bearer not.a.token']]],
      ] as [string, [string, string][]][]) {
        const metadata = new Metadata();
        for (const [k, v] of pairs) metadata.set(k, v);
        const answer = await unary(client, m, {}, metadata);
        if (answer.code !== status.UNAUTHENTICATED)
          failures.push(`${m.def.path} with ${how}: ${status[answer.code]} ${answer.details ?? ''}`);
      }
    }
    client.close();
    expect(failures).toEqual([]);
  });

  /** Fields a read needs besides the id, so a refusal can only come from B not finding it. */
  const GRPC_EXTRA: Record<string, Record<string, string>> = {
    GetOffers: { takenBy: 'TAKEN_BY_AGENT', frequency: 'PLAN_FREQUENCY_MONTHLY' },
    GetAccountActivity: { fromDate: '2000-01-01' },
  };

  /**
   * Reads that answer the caller's own view of a key every tenant has (a jurisdiction's contact
   * law): B is answered with its own, which holds no override while only A has one.
   */
  const GRPC_OWN_VIEWS: Record<string, (value: unknown) => boolean> = {
    GetContactRules: (value) => !(value as { rules?: { overrideVersion?: number } }).rules?.overrideVersion,
  };

  it("answers tenant B's gRPC reads that name tenant A's real ids with NOT_FOUND or nothing of A's", async () => {
    const { methods } = await reflectedMethods();
    const client = new Client(grpc, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('x-api-key', b.apiKey);
    const failures: string[] = [];
    let called = 0;
    for (const m of methods.filter((x) => /^(Get|List|Export|Score)/.test(x.method))) {
      const fields = m.def.requestType.type.field.map((f) =>
        f.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
      );
      const request: Record<string, string> = {};
      for (const f of fields) if (ids[f]) request[f] = ids[f];
      if (!Object.keys(request).length) continue;
      Object.assign(request, GRPC_EXTRA[m.method] ?? {});
      called += 1;
      const answer = await unary(client, m, request, metadata);
      const text = JSON.stringify(answer.value ?? {});
      if (answer.code !== status.NOT_FOUND && answer.code !== status.OK)
        failures.push(`${m.def.path} as B: ${status[answer.code]} ${answer.details ?? ''}`);
      for (const s of secretsOfA())
        if (!Object.values(request).includes(s) && text.includes(s)) failures.push(`${m.def.path} as B shows ${s}`);
      const ownView = GRPC_OWN_VIEWS[m.method];
      if (ownView) {
        if (answer.code !== status.OK || !ownView(answer.value))
          failures.push(
            `${m.def.path} as B: ${status[answer.code]}, not its own view without A's: ${text.slice(0, 160)}`,
          );
        continue;
      }
      // A read that answers `found: false` (GetContactDecision) says "not found" in its own words.
      const found = (answer.value as { found?: boolean } | undefined)?.found;
      if (answer.code === status.OK && /^(Get|Export|Score)/.test(m.method) && found !== false)
        failures.push(`${m.def.path} as B answered OK for A's ${Object.keys(request).join(', ')}`);
    }
    client.close();
    expect(called).toBeGreaterThan(8);
    expect(failures).toEqual([]);
  });

  /** Which of A's ids a path parameter names, from the path segment before it. */
  const ID_BEFORE: Record<string, string> = {
    debtors: 'debtorId',
    holds: 'holdId',
    accounts: 'accountId',
    payments: 'paymentId',
    files: 'fileId',
    items: 'itemId',
    plans: 'planId',
    settlements: 'settlementId',
    promises: 'promiseId',
    approvals: 'approvalId',
    agents: 'agentId',
    'agent-tasks': 'taskId',
    strategies: 'strategyId',
    versions: 'version',
    'creditor-profiles': 'country',
    'contact-rules': 'jurisdiction',
  };
  /** Bodies that would be valid for A's resource, so a refusal can only come from B not finding it. */
  const BODIES: Record<string, unknown> = {
    setHold: { kind: 'HOLD_KIND_DISPUTE', source: 'tenant b', startsOn: '2026-01-20', idempotencyKey: 'b-hold' },
    liftHold: { reason: 'tenant b' },
    recordConsent: { channel: 'sms', granted: false, source: 'tenant b' },
    setContactPreferences: { contactPreferences: { inconvenientTimes: [] } },
    eraseDebtor: { reason: 'tenant b' },
    issueStatement: {
      cycle: 9,
      statementDate: '2026-01-20',
      dueDate: '2026-02-05',
      amountDue: money(1_000),
      minimumDue: money(100),
    },
    postPayment: { amount: money(1_000), idempotencyKey: 'b-pay' },
    postCharge: { kind: 'ENTRY_KIND_CHARGE', amount: money(1_000), idempotencyKey: 'b-charge' },
    postAdjustment: { kind: 'ENTRY_KIND_ADJUSTMENT', amount: money(1_000), idempotencyKey: 'b-adj', reason: 'b' },
    reversePayment: { reason: 'nsf', idempotencyKey: 'b-reversal' },
    setInstalmentSchedule: {
      instalments: [{ number: 1, dueDate: '2026-03-01', principal: money(1_000), interest: money(0) }],
    },
    chargeOffAccount: { idempotencyKey: 'b-chargeoff', reason: 'tenant b' },
    settleAccount: { idempotencyKey: 'b-settle', reason: 'tenant b' },
    closeAccount: { reason: 'tenant b' },
    resolveItem: { ignoreReason: 'tenant b' },
    decideApproval: { decision: 'APPROVAL_DECISION_REJECT', supervisorId: 'sup-b', note: 'tenant b' },
    cancelPlan: { reason: 'tenant b', agentId: 'agent-b', idempotencyKey: 'b-cancel' },
    cancelPromise: { reason: 'tenant b', agentId: 'agent-b', idempotencyKey: 'b-cancel-promise' },
    withdrawSettlement: { reason: 'tenant b', agentId: 'sup-b', idempotencyKey: 'b-withdraw' },
    claimAgentTask: {},
    completeAgentTask: { agentId: 'agent-sec-a' },
    releaseAgentTask: { agentId: 'agent-sec-a' },
  };
  /** Query parameters a route needs besides the id, so a refusal can only come from B not finding it. */
  const QUERIES: Record<string, string> = { getOffers: '?takenBy=TAKEN_BY_AGENT&frequency=PLAN_FREQUENCY_MONTHLY' };
  /** PUTs that name a resource by the caller's own id: B creates its own, A's stays as it was. */
  const UPSERTS: Record<string, { body: unknown; readBack: (id: string) => string }> = {
    upsertDebtor: {
      body: { kind: 'person', displayName: 'Tenant B Person', timeZone: 'UTC', country: 'US' },
      readBack: (id) => `/v1/ledger/debtors/${id}/export`,
    },
    putAgent: {
      body: { name: 'Agent of B', skills: ['call'], capacity: 1 },
      readBack: (id) => `/v1/orchestrator/agents/${id}`,
    },
    putStrategy: { body: SIMULATION_STRATEGY, readBack: (id) => `/v1/orchestrator/strategies/${id}/versions` },
    putCreditorProfile: {
      body: CREDITOR_PROFILE('Creditor of B'),
      readBack: (id) => `/v1/orchestrator/creditor-profiles/${id}`,
    },
    putContactRulesOverride: {
      body: PERU_OVERRIDE,
      readBack: (id) => `/v1/orchestrator/contact-rules/${id}`,
    },
  };
  /**
   * Reads that answer the caller's own view of a key every tenant has (a jurisdiction's contact
   * law): B is answered with its own (200), never with A's.
   */
  const OWN_VIEWS: Record<string, (res: Answer) => string | undefined> = {
    getContactRules: (res) =>
      res.status === 200 && res.json?.rules && !(res.json.rules as { overrideVersion?: number }).overrideVersion
        ? undefined
        : `answered ${res.status} ${res.text.slice(0, 160)}, not B's own rules without A's override`,
  };

  it("answers tenant B with not-found for every REST route that names one of tenant A's real ids, and never with A's data", async () => {
    const failures: string[] = [];
    const leaks = (text: string, sent: string[]) => secretsOfA().filter((s) => !sent.includes(s) && text.includes(s));
    const withIds = operations.filter((o) => !o.public && /\{[^}]+\}/.test(o.path));
    expect(withIds.length).toBeGreaterThan(30);
    // Reads first, then writes, then the upserts (after which B owns a resource of the same id).
    const upserting = (o: DocumentedOperation) => o.op.operationId! in UPSERTS;
    const ordered = [
      ...withIds.filter((o) => o.method === 'get'),
      ...withIds.filter((o) => o.method !== 'get' && !upserting(o)),
      ...withIds.filter(upserting),
    ];
    for (const o of ordered) {
      const sent: string[] = [];
      const path = o.path.replace(/([^/]+)\/\{([^}]+)\}/g, (_, before: string) => {
        const kind = ID_BEFORE[before];
        const value = kind ? ids[kind] : undefined;
        if (!value) {
          failures.push(`${o.key}: no seeded id of tenant A for {…} after ${before}`);
          return `${before}/x`;
        }
        sent.push(value);
        return `${before}/${encodeURIComponent(value)}`;
      });
      const id = o.op.operationId!;
      const upsert = UPSERTS[id];
      if (upsert) {
        const before = await rest('get', upsert.readBack(sent[0]), { key: a.apiKey });
        const res = await rest(o.method, path, { key: b.apiKey, body: upsert.body });
        const after = await rest('get', upsert.readBack(sent[0]), { key: a.apiKey });
        if (res.status >= 300)
          failures.push(`${o.key} as B (its own resource): ${res.status} ${res.text.slice(0, 160)}`);
        if (after.text !== before.text) failures.push(`${o.key} as B changed A's resource`);
        for (const s of leaks(res.text, sent)) failures.push(`${o.key} as B shows A's ${s}`);
        continue;
      }
      if (o.method !== 'get' && !(id in BODIES)) {
        failures.push(`${o.key}: no body for tenant B's call (add one to BODIES)`);
        continue;
      }
      const ownView = OWN_VIEWS[id];
      if (ownView) {
        const res = await rest(o.method, path, { key: b.apiKey });
        const problem = ownView(res);
        if (problem) failures.push(`${o.key} as B: ${problem}`);
        for (const s of leaks(res.text, sent)) failures.push(`${o.key} as B shows A's ${s}`);
        continue;
      }
      const body = o.method === 'get' ? undefined : BODIES[id];
      sent.push(
        ...Object.values((body ?? {}) as Record<string, unknown>).filter((v): v is string => typeof v === 'string'),
      );
      const res = await rest(o.method, `${path}${QUERIES[id] ?? ''}`, { key: b.apiKey, body });
      if (res.status !== 404 || res.json?.code !== 'NOT_FOUND')
        failures.push(`${o.key} as B with A's ids: ${res.status} ${res.text.slice(0, 160)}`);
      for (const s of leaks(res.text, sent)) failures.push(`${o.key} as B shows A's ${s}`);
    }
    // Routes that take A's ids in the query: nothing of A's comes back.
    for (const o of operations.filter((x) => !x.public && x.method === 'get')) {
      const idParams = (o.op.parameters ?? []).filter((p) => p.in === 'query' && /Id$/.test(p.name) && ids[p.name]);
      if (!idParams.length) continue;
      const query = idParams.map((p) => `${p.name}=${encodeURIComponent(ids[p.name])}`).join('&');
      const res = await rest('get', `${o.path}?${query}`, { key: b.apiKey });
      if (res.status !== 404 && res.status !== 200) failures.push(`${o.key}?${query} as B: ${res.status}`);
      for (const s of leaks(
        res.text,
        idParams.map((p) => ids[p.name]),
      ))
        failures.push(`${o.key}?${query} as B shows A's ${s}`);
    }
    expect(failures).toEqual([]);
    // And A still sees all of it.
    expect((await rest('get', `/v1/ledger/accounts/${ids.accountId}/balance`, { key: a.apiKey })).status).toBe(200);
    expect((await rest('get', `/v1/promises/plans/${ids.planId}`, { key: a.apiKey })).status).toBe(200);
  });

  /*
   * Who may change the tenant's configuration. A user token carries roles; an API key is the
   * tenant's trusted integration and passes every check. Every write the platform serves is
   * classified here by its REST operationId or gRPC method (in lowerCamelCase, as the REST twin
   * names it), so a new write cannot arrive unclassified.
   */
  /** The tenant's configuration, and the roles of which a user needs one to change it. */
  const CONFIGURATION: Record<string, readonly string[]> = {
    setAgingBuckets: ['admin'],
    setSegmentRules: ['admin'],
    putStrategy: ['admin'],
    putAgent: ['admin'],
    setNegotiationPolicy: ['admin'],
    putContactRulesOverride: ['compliance', 'admin'],
    putCreditorProfile: ['compliance', 'admin'],
  };
  /** Writes that need a role of their own. */
  const ROLE_OF_ITS_OWN: Record<string, readonly string[]> = {
    // The data-subject requests are the compliance officer's: an erasure is irreversible, an export
    // hands over everything held on the debtor.
    eraseDebtor: ['compliance', 'admin'],
    exportDebtor: ['compliance', 'admin'],
    // By hand, for a date of the caller's choosing: a date ahead would break promises early.
    runDailyDelinquency: ['admin'],
    runDaily: ['admin'],
    decideApproval: ['supervisor'],
    // Whoever works the account, a supervisor or the administrator (not a compliance or scoring user).
    cancelPlan: ['agent', 'supervisor', 'admin'],
    cancelPromise: ['agent', 'supervisor', 'admin'],
    // An offer is the creditor's to take back: a supervisor or the administrator, not an agent.
    withdrawSettlement: ['supervisor', 'admin'],
    trainModel: ['scoring-admin'],
    advanceClock: ['platform-admin'],
    moveClock: ['platform-admin'],
    runClockJob: ['platform-admin'],
  };
  /** Debtor-facing and day-to-day work: open to every user of the tenant, agents included. */
  const OPEN_TO_TENANT_USERS: readonly string[] = [
    // ledger: debtors, accounts, postings, holds and consent, lifecycle, runs, bank files
    ...['upsertDebtor', 'openAccount', 'issueStatement', 'postCharge', 'postAdjustment', 'postPayment'],
    ...['postPayments', 'reversePayment', 'setHold', 'liftHold', 'recordConsent', 'setContactPreferences'],
    ...['setInstalmentSchedule', 'chargeOffAccount', 'settleAccount', 'closeAccount'],
    ...['importStatement', 'resolveItem'],
    // a read, as GetBalance: counted here only because its name is not Get/List
    'findAccounts',
    // scoring
    ...['scoreAccount', 'scoreBatch'],
    // orchestrator: the agents' work
    ...['claimAgentTask', 'completeAgentTask', 'releaseAgentTask'],
    // promises: offers within the role limits of the negotiation policy
    ...['createPromise', 'createPlan', 'createSettlement'],
  ];

  /** `Authorization` of a signed-in user of tenant A with these roles. */
  const userOfA = (roles: string[]) =>
    `Bearer ${signJwt({ tenant: a.tenant, sub: `user-${roles.join('+') || 'none'}`, roles }, JWT_SECRET)}`;
  const grpcAuth = (auth: { apiKey: string } | { roles: string[] }) => {
    const md = new Metadata();
    if ('apiKey' in auth) md.set('x-api-key', auth.apiKey);
    else md.set('authorization', userOfA(auth.roles));
    return md;
  };
  const grpcCode = async (call: Promise<unknown>): Promise<{ code: number; details: string }> => {
    try {
      await call;
      return { code: status.OK, details: '' };
    } catch (err) {
      const e = err as ServiceError;
      return { code: e.code ?? status.UNKNOWN, details: e.details ?? String(err) };
    }
  };

  it('classifies every write of every REST document and gRPC service: configuration, a role of its own, or open to the tenant users', async () => {
    const classified = [...Object.keys(CONFIGURATION), ...Object.keys(ROLE_OF_ITS_OWN), ...OPEN_TO_TENANT_USERS];
    const restWrites = operations.filter((o) => !o.public && o.method !== 'get').map((o) => o.op.operationId!);
    const { methods } = await reflectedMethods();
    const grpcWrites = methods
      .filter((m) => !/^(Get|List)[A-Z]/.test(m.method))
      .map((m) => m.method[0].toLowerCase() + m.method.slice(1));
    const writes = [...new Set([...restWrites, ...grpcWrites])];
    expect(writes.filter((w) => !classified.includes(w)).sort()).toEqual([]);
    expect(classified.filter((w) => !writes.includes(w))).toEqual([]);
    expect(classified.length).toBe(new Set(classified).size);
  });

  it("changes the tenant's configuration only for the roles allowed to (REST and gRPC): an agent is refused and changes nothing, the role and the API key succeed", async () => {
    const clients = {
      lifecycle: grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, grpc),
      scoring: grpcClient(scoring.ScoringServiceService, grpc),
      orchestrator: grpcClient(orchestrator.OrchestratorServiceService, grpc),
      creditors: grpcClient(orchestratorCreditors.CreditorProfileServiceService, grpc),
      agents: grpcClient(orchestratorAgents.AgentQueueServiceService, grpc),
      promises: grpcClient(promises.PromisesServiceService, grpc),
    };
    const policy = (await asA('get', '/v1/promises/negotiation-policy')).policy;
    const buckets = (n: number) => ({
      buckets: [
        { label: 'current', minDays: 0, maxDays: 0 },
        { label: `1-${9 + n}`, minDays: 1, maxDays: 9 + n },
        { label: `${10 + n}+`, minDays: 10 + n },
      ],
    });
    const segmentRules = (n: number) => ({
      rules: [],
      defaultSegment: ['SEGMENT_NEGOTIATE', 'SEGMENT_HARDSHIP', 'SEGMENT_SELF_CURE'][n % 3],
    });
    const strategy = (n: number) => ({ ...SIMULATION_STRATEGY, name: `${SIMULATION_STRATEGY.name} (change ${n})` });
    const negotiation = (n: number) => ({ policy, changedBy: 'security test', reason: `change ${n}` });
    const agentName = (n: number) => `Agent A (change ${n})`;
    /** Each write: a REST body and a gRPC call that would change the configuration (`n`: which attempt), and where to read it. */
    const writes: Record<
      string,
      { path: string; body(n: number): unknown; grpc(n: number, md: Metadata): Promise<unknown>; readBack: string }
    > = {
      setAgingBuckets: {
        path: '/v1/ledger/aging-buckets',
        body: buckets,
        grpc: (n, md) =>
          clients.lifecycle.setAgingBuckets(ledgerLifecycle.SetAgingBucketsRequest.fromJSON(buckets(n)), md),
        readBack: '/v1/ledger/aging-buckets',
      },
      setSegmentRules: {
        path: '/v1/scoring/segment-rules',
        body: segmentRules,
        grpc: (n, md) => clients.scoring.setSegmentRules(scoring.SetSegmentRulesRequest.fromJSON(segmentRules(n)), md),
        readBack: '/v1/scoring/segment-rules',
      },
      putStrategy: {
        path: `/v1/orchestrator/strategies/${SIMULATION_STRATEGY_ID}`,
        body: strategy,
        grpc: (n, md) =>
          clients.orchestrator.putStrategy(
            {
              strategyId: SIMULATION_STRATEGY_ID,
              document: JSON.stringify(strategy(n)),
              format: orchestrator.StrategyFormat.STRATEGY_FORMAT_JSON,
            },
            md,
          ),
        readBack: `/v1/orchestrator/strategies/${SIMULATION_STRATEGY_ID}/versions`,
      },
      putAgent: {
        path: `/v1/orchestrator/agents/${ids.agentId}`,
        body: (n) => ({ name: agentName(n), skills: ['call'], capacity: 3 }),
        grpc: (n, md) =>
          clients.agents.putAgent(
            orchestratorAgents.PutAgentRequest.fromPartial({
              agent: {
                agentId: ids.agentId,
                name: agentName(n),
                skills: [orchestratorAgents.AgentTaskKind.AGENT_TASK_KIND_CALL],
                capacity: 3,
                active: true,
              },
            }),
            md,
          ),
        readBack: `/v1/orchestrator/agents/${ids.agentId}`,
      },
      setNegotiationPolicy: {
        path: '/v1/promises/negotiation-policy',
        body: negotiation,
        grpc: (n, md) =>
          clients.promises.setNegotiationPolicy(promises.SetNegotiationPolicyRequest.fromJSON(negotiation(n)), md),
        readBack: '/v1/promises/negotiation-policy',
      },
      putContactRulesOverride: {
        path: `/v1/orchestrator/contact-rules/${ids.jurisdiction}/override`,
        body: () => PERU_OVERRIDE,
        grpc: (_, md) =>
          clients.orchestrator.putContactRulesOverride(
            { jurisdiction: ids.jurisdiction, document: JSON.stringify(PERU_OVERRIDE) },
            md,
          ),
        readBack: `/v1/orchestrator/contact-rules/${ids.jurisdiction}`,
      },
      putCreditorProfile: {
        path: `/v1/orchestrator/creditor-profiles/${ids.country}`,
        body: (n) => CREDITOR_PROFILE(`Creditor of A (change ${n})`),
        grpc: (n, md) =>
          clients.creditors.putCreditorProfile(
            {
              profile: orchestratorCreditors.CreditorProfile.fromJSON({
                ...CREDITOR_PROFILE(`Creditor of A (change ${n})`),
                country: ids.country,
              }),
            },
            md,
          ),
        readBack: `/v1/orchestrator/creditor-profiles/${ids.country}`,
      },
    };
    expect(Object.keys(writes).sort()).toEqual(Object.keys(CONFIGURATION).sort());

    const failures: string[] = [];
    const read = async (path: string) => (await rest('get', path, { key: a.apiKey })).text;
    let n = 0;
    for (const [id, write] of Object.entries(writes)) {
      const roles = CONFIGURATION[id];
      const op = operations.find((o) => o.op.operationId === id);
      if (!op) {
        failures.push(`${id}: not in the OpenAPI documents`);
        continue;
      }
      const refused = (how: string, code: unknown, message: string) => {
        const missing = roles.filter((r) => !message.includes(r));
        if (missing.length) failures.push(`${id} ${how}: the refusal "${message}" does not name ${missing.join(', ')}`);
        void code;
      };
      // Refused: an agent, a supervisor, a user without roles; REST and gRPC; nothing changes.
      for (const denied of [['agent'], ['agent', 'supervisor'], []]) {
        const before = await read(write.readBack);
        const res = await rest(op.method, write.path, {
          headers: { authorization: userOfA(denied) },
          body: write.body(++n),
        });
        if (res.status !== 403 || res.json?.code !== 'PERMISSION_DENIED')
          failures.push(`REST ${id} as [${denied.join(', ')}]: ${res.status} ${res.text.slice(0, 160)}, not 403`);
        else refused(`REST as [${denied.join(', ')}]`, res.json.code, String(res.json.message));
        const answer = await grpcCode(write.grpc(++n, grpcAuth({ roles: denied })));
        if (answer.code !== status.PERMISSION_DENIED)
          failures.push(`gRPC ${id} as [${denied.join(', ')}]: ${status[answer.code]} ${answer.details}`);
        else refused(`gRPC as [${denied.join(', ')}]`, answer.code, answer.details);
        await clientA.drained();
        if ((await read(write.readBack)) !== before) failures.push(`${id} as [${denied.join(', ')}] changed it`);
      }
      // Reads of the configuration stay open to the tenant's users.
      const seen = await rest('get', write.readBack, { headers: { authorization: userOfA(['agent']) } });
      if (seen.status !== 200) failures.push(`GET ${write.readBack} as an agent: ${seen.status}`);
      // Allowed: each role that may, and the tenant's API key; REST and gRPC; each changes it.
      for (const [how, headers, md] of [
        ...roles.map((r) => [`as ${r}`, { authorization: userOfA([r]) }, grpcAuth({ roles: ['agent', r] })] as const),
        ['with the API key', { 'x-api-key': a.apiKey }, grpcAuth({ apiKey: a.apiKey })] as const,
      ]) {
        const before = await read(write.readBack);
        const res = await rest(op.method, write.path, { headers, body: write.body(++n) });
        if (res.status >= 300) failures.push(`REST ${id} ${how}: ${res.status} ${res.text.slice(0, 160)}`);
        await clientA.drained();
        const between = await read(write.readBack);
        if (between === before) failures.push(`REST ${id} ${how} changed nothing`);
        const answer = await grpcCode(write.grpc(++n, md));
        if (answer.code !== status.OK) failures.push(`gRPC ${id} ${how}: ${status[answer.code]} ${answer.details}`);
        await clientA.drained();
        if ((await read(write.readBack)) === between) failures.push(`gRPC ${id} ${how} changed nothing`);
      }
    }
    for (const client of Object.values(clients)) client.close();
    expect(failures).toEqual([]);
  });

  it('keeps the writes that need a role of their own refused to an agent, with the role named', async () => {
    const failures: string[] = [];
    const agent = { authorization: userOfA(['agent']) };
    const decision = await rest('post', `/v1/promises/approvals/${ids.approvalId}/decision`, {
      headers: agent,
      body: { decision: 'APPROVAL_DECISION_REJECT', note: 'an agent' },
    });
    if (decision.status !== 403 || !String(decision.json?.message).includes('supervisor'))
      failures.push(`POST approvals/{id}/decision as an agent: ${decision.status} ${decision.text.slice(0, 160)}`);
    // Undecided: pending, or expired by now (the simulated clock runs days past its 72 hours).
    const approval = (await asA('get', `/v1/promises/approvals/${ids.approvalId}`)).approval as
      { state?: unknown; decidedBy?: string } | undefined;
    const undecided: unknown[] = [
      promises.ApprovalState.APPROVAL_STATE_PENDING,
      promises.ApprovalState.APPROVAL_STATE_EXPIRED,
    ];
    if (!undecided.includes(approval?.state) || approval?.decidedBy)
      failures.push(`the held offer was decided: ${JSON.stringify(approval).slice(0, 160)}`);
    const scoringClient = grpcClient(scoring.ScoringServiceService, grpc);
    const trained = await grpcCode(
      scoringClient.trainModel(
        { modelVersion: 'by-an-agent', datasetCsv: Buffer.from('ID,Y\n'), seed: 1 },
        grpcAuth({ roles: ['agent'] }),
      ),
    );
    scoringClient.close();
    if (trained.code !== status.PERMISSION_DENIED || !trained.details.includes('scoring-admin'))
      failures.push(`TrainModel as an agent: ${status[trained.code]} ${trained.details}`);
    const simulationClient = grpcClient(simulation.SimulationServiceService, grpc);
    const { now } = await simulationClient.getClock({}, grpcAuth({ apiKey: a.apiKey }));
    const moved = await grpcCode(simulationClient.moveClock({ to: now }, grpcAuth({ roles: ['agent'] })));
    simulationClient.close();
    if (moved.code !== status.PERMISSION_DENIED || !moved.details.includes('platform-admin'))
      failures.push(`MoveClock as an agent: ${status[moved.code]} ${moved.details}`);
    // An agent erases no debtor: the seeded one's data stays readable.
    const erased = await rest('post', `/v1/ledger/debtors/${ids.debtorId}/erasure`, {
      headers: agent,
      body: { reason: 'asked on the phone' },
    });
    if (erased.status !== 403 || !String(erased.json?.message).includes('compliance or admin'))
      failures.push(`POST debtors/{id}/erasure as an agent: ${erased.status} ${erased.text.slice(0, 160)}`);
    const exported = await rest('get', `/v1/ledger/debtors/${ids.debtorId}/export`, { key: a.apiKey });
    if (!exported.text.includes(PII.email))
      failures.push(`the debtor's data is gone after an agent's erasure: ${exported.status}`);
    // Nor exports everything held on a debtor: refused, with nothing of the debtor's in the answer.
    const agentExport = await rest('get', `/v1/ledger/debtors/${ids.debtorId}/export`, { headers: agent });
    if (
      agentExport.status !== 403 ||
      !String(agentExport.json?.message).includes('compliance or admin') ||
      agentExport.text.includes(PII.email)
    )
      failures.push(
        `GET debtors/{id}/export as an agent: ${agentExport.status} ${agentExport.status === 403 ? agentExport.text.slice(0, 160) : ''}`,
      );
    // Nor runs a daily job by hand, for a day of their choosing.
    for (const [path, body] of [
      ['/v1/ledger/delinquency/daily-runs', { asOfDate: '2027-12-31' }],
      ['/v1/promises/daily-run', { asOfDate: '2027-12-31' }],
    ] as const) {
      const run = await rest('post', path, { headers: agent, body });
      if (run.status !== 403 || !String(run.json?.message).includes('admin'))
        failures.push(`POST ${path} as an agent: ${run.status} ${run.text.slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
  });

  it("leaves the debtor-facing work open to an agent: holds, claims and the agent's own reads", async () => {
    const agent = { authorization: userOfA(['agent']) };
    const hold = await rest('post', '/v1/ledger/debtors/dbt-sec-a-2/holds', {
      headers: agent,
      body: {
        kind: 'HOLD_KIND_BANKRUPTCY',
        source: 'an agent',
        startsOn: SIMULATION_START.slice(0, 10),
        idempotencyKey: 'hold-by-agent',
      },
    });
    expect({ ok: hold.status < 300, text: hold.text.slice(0, 200) }).toMatchObject({ ok: true });
    const lifted = await rest('post', `/v1/ledger/holds/${String(hold.json?.holdId)}/lift`, {
      headers: agent,
      body: { reason: 'an agent' },
    });
    expect({ ok: lifted.status < 300, text: lifted.text.slice(0, 200) }).toMatchObject({ ok: true });
    const claim = await rest('post', `/v1/orchestrator/agents/${ids.agentId}/claims`, { headers: agent, body: {} });
    expect({ status: claim.status, text: claim.text.slice(0, 200) }).toMatchObject({ status: 200 });
    const claimed = claim.json?.task as { taskId?: string } | undefined;
    if (claimed?.taskId) {
      const released = await rest('post', `/v1/orchestrator/agent-tasks/${claimed.taskId}/release`, {
        headers: agent,
        body: { agentId: ids.agentId },
      });
      expect(released.status).toBe(200);
    }
    for (const path of [`/v1/ledger/accounts/${ids.accountId}/balance`, '/v1/orchestrator/agent-tasks?state=open'])
      expect((await rest('get', path, { headers: agent })).status).toBe(200);
  });

  it('rate limits the payment-link API per token and per client (429 with Retry-After), whatever X-Forwarded-For says', async () => {
    const now = new Date((await clientA.simulation.getClock({}, clientA.auth)).now!);
    const signer = new PaymentLinkSigner(PAYMENT_LINK_SECRET, 'https://pay.example/p');
    const token = signer.sign({
      tenantId: a.tenant,
      accountId: ids.accountId,
      expiresAt: new Date(now.getTime() + 3 * DAY_MS),
    }).token;
    const statuses: number[] = [];
    let limited: Answer | undefined;
    for (let i = 0; i < 60 && !limited; i++) {
      const res = await rest('get', '/v1/self-service', { headers: { 'x-payment-link-token': token } });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(limited?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(statuses.filter((s) => s === 200).length).toBe(30);
    // Per client: guessing tokens runs out too, and a forged client address does not reset it.
    let clientLimited = false;
    for (let i = 0; i < 300 && !clientLimited; i++) {
      const res = await rest('get', '/v1/self-service', {
        headers: { 'x-payment-link-token': `guess${i}.guess`, 'x-forwarded-for': `10.0.${i % 250}.1` },
      });
      clientLimited = res.status === 429;
    }
    expect(clientLimited).toBe(true);
    const fresh = signer.sign({
      tenantId: a.tenant,
      accountId: ids.accountId,
      expiresAt: new Date(now.getTime() + DAY_MS),
    });
    const afterwards = await rest('get', '/v1/self-service', {
      headers: { 'x-payment-link-token': fresh.token, 'x-forwarded-for': '192.0.2.77' },
    });
    expect(afterwards.status).toBe(429);
  });

  it('never prints the personal data it was given, in any log line of any service, at any level', () => {
    const simulated = generatePortfolio(SEED, SIM_ACCOUNTS).flatMap((d) => [d.displayName, d.email, d.phone]);
    const values = [...Object.values(PII).filter((v) => v !== PII.debtorId), PII.phone.slice(1), ...simulated];
    const lower = logs.toLowerCase();
    const lines = logs.split('\n');
    expect(lines.length).toBeGreaterThan(100);
    const leaked = values
      .filter((v) => lower.includes(v.toLowerCase()))
      .map((v) => `${v}: ${lines.find((l) => l.toLowerCase().includes(v.toLowerCase()))!.slice(0, 600)}`);
    expect(leaked).toEqual([]);
  });
});
