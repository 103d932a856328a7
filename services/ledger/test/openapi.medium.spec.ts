import { readFileSync } from 'node:fs';
import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { parse } from 'yaml';
import { ledger } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest, publishedEvents, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { OPENAPI_DOCUMENT_PATH } from '../src/openapi/openapi.controller';
import { JsonSchemaChecker, Schema, unknownKeywords } from './json-schema-checker';

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses?: Record<string, { $ref?: string; content?: Record<string, { schema: Schema }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  security: Record<string, string[]>[];
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown>; responses: object };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
/** Served by libs/platform for every service, not part of the ledger's API. */
const PLATFORM_ROUTES = ['GET /health', 'GET /ready', 'GET /metrics'];

const document = parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')) as OpenApiDocument;
const checker = new JsonSchemaChecker(document);

/** `/v1/ledger/accounts/:id` in Nest and Express is `/v1/ledger/accounts/{id}` in OpenAPI. */
const openApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function operations(): { key: string; path: string; method: string; op: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, op })),
  );
}

function operation(method: string, path: string): Operation {
  const op = document.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
  return op;
}

/** The documented JSON schema of an operation's response with this status. */
function responseSchema(method: string, path: string, status: number): Schema {
  let response = operation(method, path).responses?.[String(status)];
  if (response?.$ref) response = checker.resolve(response.$ref) as typeof response;
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${method.toUpperCase()} ${path} documents no JSON response for ${status}`);
  return schema;
}

function requestSchema(method: string, path: string): Schema {
  const schema = operation(method, path).requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error(`${method.toUpperCase()} ${path} documents no JSON body`);
  return schema;
}

/** Every local $ref in the document, with where it sits. */
function refs(node: unknown, at = '#'): { at: string; ref: string }[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => refs(v, `${at}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) =>
    k === '$ref' && typeof v === 'string' ? [{ at, ref: v }] : refs(v, `${at}/${k}`),
  );
}

/** Every schema object in the document (components and inline), to hold them to the checker's subset. */
function schemas(): Schema[] {
  const found: Schema[] = [];
  const walk = (schema: unknown) => {
    if (schema === null || typeof schema !== 'object') return;
    const s = schema as Schema;
    found.push(s);
    Object.values((s.properties as Record<string, Schema>) ?? {}).forEach(walk);
    if (s.items) walk(s.items);
    for (const key of ['allOf', 'anyOf'] as const) ((s[key] as Schema[]) ?? []).forEach(walk);
  };
  Object.values(document.components.schemas).forEach(walk);
  for (const { op } of operations()) {
    for (const p of op.parameters ?? []) walk(p.schema);
    for (const media of Object.values(op.requestBody?.content ?? {})) walk(media.schema);
    for (const r of Object.values(op.responses ?? {}))
      for (const media of Object.values(r.content ?? {})) walk(media.schema);
  }
  for (const r of Object.values(document.components.responses) as { content?: Record<string, { schema: Schema }> }[])
    for (const media of Object.values(r.content ?? {})) walk(media.schema);
  return found;
}

describe(JsonSchemaChecker.name, () => {
  const sut = new JsonSchemaChecker(document);
  const money = { $ref: '#/components/schemas/Money' };
  const balance = { $ref: '#/components/schemas/GetBalanceResponse' };

  it('accepts money in minor units and refuses a float, a missing required field and an undocumented one', () => {
    expect(sut.check(money, { amountMinor: 1234, currency: 'USD' })).toEqual([]);
    expect(sut.check(money, { amountMinor: 12.34, currency: 'USD' })).not.toEqual([]);
    expect(sut.check(balance, { balance: { amountMinor: 1, currency: 'USD' } })).toContain(
      '$: lacks required accountId',
    );
    expect(sut.check(money, { amountMinor: 1, currency: 'USD', cents: 1 })).toContain(
      '$: has undocumented property cents',
    );
  });
});

describe('ledger OpenAPI document (real Nest app, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  const url = (path: string) => `${sut.app.httpUrl}${path}`;
  const headers = () => ({ [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' });

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
  });
  afterAll(async () => {
    await sut.close();
  });

  /** `METHOD /path` of every route the running app's Express router serves. */
  function servedRoutes(): string[] {
    const express = sut.app.app.getHttpAdapter().getInstance() as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    };
    return express.router.stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods)
            .filter((m) => m !== '_all')
            .map((m) => `${m.toUpperCase()} ${openApiPath(layer.route!.path)}`)
        : [],
    );
  }

  /** Every HTTP handler of every controller Nest loaded, from the decorators' metadata. */
  function controllerRoutes() {
    const routes: { key: string; status: number; params: { type: number; name: string }[] }[] = [];
    for (const module of sut.app.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
        if (!controller) continue;
        const prefix = Reflect.getMetadata(PATH_METADATA, controller) as string | undefined;
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = (controller.prototype as Record<string, unknown>)[name];
          const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler as object) as RequestMethod | undefined;
          if (typeof handler !== 'function' || requestMethod === undefined || prefix === undefined) continue;
          const method = RequestMethod[requestMethod];
          const path = [prefix, Reflect.getMetadata(PATH_METADATA, handler) as string]
            .flatMap((p) => p.split('/'))
            .filter((s) => s !== '')
            .join('/');
          const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
            string,
            { data?: unknown }
          >;
          routes.push({
            key: `${method} ${openApiPath(`/${path}`)}`,
            status:
              (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
              (requestMethod === RequestMethod.POST ? 201 : 200),
            params: Object.entries(args).map(([key, arg]) => ({
              type: Number(key.split(':')[0]),
              name: typeof arg.data === 'string' ? arg.data : '',
            })),
          });
        }
      }
    }
    return routes;
  }

  it('documents every route the app serves, and serves every documented route', () => {
    const served = servedRoutes();
    expect(served).toEqual(expect.arrayContaining(PLATFORM_ROUTES));
    const ledgerRoutes = served.filter((r) => !PLATFORM_ROUTES.includes(r));
    expect(ledgerRoutes.length).toBeGreaterThan(20);
    expect([...new Set(ledgerRoutes)].sort()).toEqual(
      operations()
        .map((o) => o.key)
        .sort(),
    );
  });

  it("documents each route's success status and its path and query parameters as the controllers declare them", () => {
    const byKey = new Map(controllerRoutes().map((r) => [r.key, r]));
    for (const { key, op } of operations()) {
      const route = byKey.get(key);
      expect({ key, declared: route !== undefined }).toEqual({ key, declared: true });
      const success = Object.keys(op.responses ?? {}).filter((s) => /^2\d\d$/.test(s));
      expect({ key, success }).toEqual({ key, success: [String(route!.status)] });
      const documented = (where: string) =>
        (op.parameters ?? [])
          .filter((p) => p.in === where)
          .map((p) => p.name)
          .sort();
      const declared = (type: RouteParamtypes) =>
        route!.params
          .filter((p) => p.type === Number(type))
          .map((p) => p.name)
          .sort();
      expect({ key, path: documented('path'), query: documented('query') }).toEqual({
        key,
        path: declared(RouteParamtypes.PARAM),
        query: declared(RouteParamtypes.QUERY),
      });
    }
  });

  it('is a structurally valid OpenAPI 3.1 document', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toBeTruthy();
    expect(document.info.version).toBeTruthy();

    const dangling = refs(document).filter(({ ref }) => checker.resolve(ref) === undefined);
    expect(dangling).toEqual([]);

    const ops = operations();
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id !== '')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);

    const tags = new Set(document.tags.map((t) => t.name));
    const schemes = Object.keys(document.components.securitySchemes);
    for (const { key, path, op } of ops) {
      expect({ key, hasResponses: Object.keys(op.responses ?? {}).length > 0 }).toEqual({ key, hasResponses: true });
      for (const status of Object.keys(op.responses ?? {}))
        expect({ key, status, valid: /^[1-5](\d\d|XX)$|^default$/.test(status) }).toEqual({ key, status, valid: true });
      expect({ key, undeclaredTags: (op.tags ?? []).filter((t) => !tags.has(t)) }).toEqual({ key, undeclaredTags: [] });
      for (const requirement of op.security ?? document.security)
        for (const scheme of Object.keys(requirement)) expect(schemes).toContain(scheme);
      // Every {template} in the path has a required path parameter, and no path parameter is spare.
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect({ key, params: pathParams.map((p) => p.name).sort() }).toEqual({ key, params: templated });
      expect(pathParams.every((p) => p.required === true)).toBe(true);
    }
    expect(document.security.length).toBeGreaterThan(0);
    // The checker used below must understand every keyword the document's schemas use.
    expect(schemas().flatMap((s) => unknownKeywords(s))).toEqual([]);
  });

  it('serves the document as JSON at GET /v1/ledger/openapi.json without credentials', async () => {
    const res = await fetch(url('/v1/ledger/openapi.json'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const served: unknown = await res.json();
    expect(served).toEqual(document);
    expect(checker.check(responseSchema('get', '/v1/ledger/openapi.json', 200), served)).toEqual([]);
  });

  describe('real requests answer what the document says', () => {
    const id = 'acct-openapi-1';

    async function call(method: string, path: string, template: string, body?: unknown) {
      if (body !== undefined) expect(checker.check(requestSchema(method, template), body)).toEqual([]);
      const res = await fetch(url(path), {
        method: method.toUpperCase(),
        headers: headers(),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json: unknown = await res.json();
      return { status: res.status, json, problems: checker.check(responseSchema(method, template, res.status), json) };
    }

    it('opens an account, posts a payment, answers its retry with the first answer, and reads the balance', async () => {
      const debtor = await call('put', '/v1/ledger/debtors/d-openapi-1', '/v1/ledger/debtors/{id}', {
        kind: 'person',
        displayName: 'Ana Pérez',
        country: 'CO',
        timeZone: 'America/Bogota',
        contactPoints: [{ type: 'phone', value: '+573001234567', consentedChannels: ['sms'] }],
      });
      expect(debtor).toMatchObject({ status: 200, problems: [] });

      const opened = await call('post', '/v1/ledger/accounts', '/v1/ledger/accounts', {
        accountId: id,
        externalRef: 'crm-openapi-1',
        product: 'PRODUCT_CREDIT_CARD',
        currency: 'USD',
        creditLimitMinor: '500000',
        openedOn: '2026-01-01',
        timeZone: 'America/Bogota',
        debtors: [{ debtorId: 'd-openapi-1', role: 'DEBTOR_ROLE_PRIMARY' }],
      });
      expect(opened).toEqual({ status: 201, json: { accountId: id, created: true }, problems: [] });

      const charged = await call('post', `/v1/ledger/accounts/${id}/charges`, '/v1/ledger/accounts/{id}/charges', {
        kind: 'ENTRY_KIND_CHARGE',
        amount: { amountMinor: 100_000, currency: 'USD' },
        idempotencyKey: 'charge-openapi-1',
        effectiveDate: '2026-01-05',
      });
      expect(charged).toMatchObject({ status: 201, problems: [] });

      const payment = { amount: { amountMinor: 12_34, currency: 'USD' }, idempotencyKey: 'pay-openapi-1' };
      const paid = await call(
        'post',
        `/v1/ledger/accounts/${id}/payments`,
        '/v1/ledger/accounts/{id}/payments',
        payment,
      );
      expect(paid).toMatchObject({
        status: 201,
        json: { accountId: id, balance: { amountMinor: 98_766, currency: 'USD' }, replayed: false },
        problems: [],
      });
      const retried = await call(
        'post',
        `/v1/ledger/accounts/${id}/payments`,
        '/v1/ledger/accounts/{id}/payments',
        payment,
      );
      expect(retried).toMatchObject({ status: 201, json: { ...(paid.json as object), replayed: true }, problems: [] });
      const reused = await call('post', `/v1/ledger/accounts/${id}/payments`, '/v1/ledger/accounts/{id}/payments', {
        ...payment,
        amount: { amountMinor: 1, currency: 'USD' },
      });
      expect(reused).toMatchObject({ status: 409, json: { code: 'CONFLICT' }, problems: [] });

      const balance = await call('get', `/v1/ledger/accounts/${id}/balance`, '/v1/ledger/accounts/{id}/balance');
      expect(balance).toMatchObject({
        status: 200,
        json: { accountId: id, balance: { amountMinor: 98_766, currency: 'USD' } },
        problems: [],
      });

      const history = await call('get', `/v1/ledger/accounts/${id}/history`, '/v1/ledger/accounts/{id}/history');
      expect(history).toMatchObject({ status: 200, problems: [] });
      expect((history.json as { entries: unknown[] }).entries).toHaveLength(2);

      // What moved the debt since the account opened: nothing owed then, the charge and the
      // payment since, the balance now.
      const activity = await call(
        'get',
        `/v1/ledger/accounts/${id}/activity?from=ACTIVITY_FROM_LAST_STATEMENT,ACTIVITY_FROM_OPENED_ON`,
        '/v1/ledger/accounts/{id}/activity',
      );
      expect(activity).toMatchObject({
        status: 200,
        json: {
          accountId: id,
          fromDate: '2026-01-01',
          fromReference: 2,
          opening: { total: { amountMinor: 0, currency: 'USD' } },
          closing: { total: { amountMinor: 98_766, currency: 'USD' } },
        },
        problems: [],
      });
      expect(
        (activity.json as { entries: { amount: { amountMinor: number } }[] }).entries.map((e) => e.amount.amountMinor),
      ).toEqual([100_000, 12_34]);
      const asked = await call('get', `/v1/ledger/accounts/${id}/activity`, '/v1/ledger/accounts/{id}/activity');
      expect(asked).toMatchObject({ status: 400, problems: [] });
    });

    it('places a litigation hold on a debtor served in a collection suit, lifts it, and tells the consumers each time', async () => {
      const debtor = await call('put', '/v1/ledger/debtors/d-openapi-cl', '/v1/ledger/debtors/{id}', {
        kind: 'person',
        displayName: 'Ana Pérez',
        country: 'CL',
        timeZone: 'America/Santiago',
      });
      expect(debtor).toMatchObject({ status: 200, problems: [] });
      const placed = await call('post', '/v1/ledger/debtors/d-openapi-cl/holds', '/v1/ledger/debtors/{id}/holds', {
        kind: 'HOLD_KIND_LITIGATION',
        source: 'court',
        startsOn: '2026-03-02',
        idempotencyKey: 'suit-openapi-cl',
      });
      expect(placed).toMatchObject({ status: 201, json: { replayed: false }, problems: [] });
      const { holdId } = placed.json as { holdId: string };
      const lifted = await call('post', `/v1/ledger/holds/${holdId}/lift`, '/v1/ledger/holds/{id}/lift', {
        reason: 'suit withdrawn',
      });
      expect(lifted).toMatchObject({ json: { lifted: true }, problems: [] });
      const told = (await publishedEvents(sut, 'ledger', 'collections.ledger.v1.HoldChanged')).filter(
        (e) => e.debtorId === 'd-openapi-cl',
      );
      expect(told.map(({ holdId: id, kind, active, source }) => ({ id, kind, active, source }))).toEqual([
        // Who reported it is a person's free text: kept with the hold (the export), not on the event.
        { id: holdId, kind: ledger.HoldKind.HOLD_KIND_LITIGATION, active: true, source: '' },
        { id: holdId, kind: ledger.HoldKind.HOLD_KIND_LITIGATION, active: false, source: '' },
      ]);
    });

    it('answers an unknown account with 404 NOT_FOUND and a bad currency with 400 INVALID_ARGUMENT', async () => {
      const missing = await call(
        'get',
        '/v1/ledger/accounts/no-such-account/balance',
        '/v1/ledger/accounts/{id}/balance',
      );
      expect(missing).toMatchObject({ status: 404, json: { code: 'NOT_FOUND' }, problems: [] });

      const invalid = await call('post', '/v1/ledger/accounts', '/v1/ledger/accounts', {
        accountId: 'acct-openapi-bad',
        externalRef: 'crm-openapi-bad',
        product: 'PRODUCT_CREDIT_CARD',
        currency: 'usd',
        openedOn: '2026-01-01',
        debtors: [{ debtorId: 'd-openapi-1' }],
      });
      expect(invalid).toMatchObject({ status: 400, json: { code: 'INVALID_ARGUMENT' }, problems: [] });
    });

    it('answers a body that is not JSON with 400, a batch of 2,000 payments in full, and a body over 16 MB with 413', async () => {
      const notJson = await fetch(url('/v1/ledger/accounts'), {
        method: 'POST',
        headers: headers(),
        body: '{"accountId":',
      });
      expect(notJson.status).toBe(400);
      expect(checker.check(responseSchema('post', '/v1/ledger/accounts', 400), await notJson.json())).toEqual([]);

      const payments = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({
          accountId: id,
          amount: { amountMinor: 1, currency: 'USD' },
          idempotencyKey: `${prefix}-${i}`,
        }));
      const big = await fetch(url('/v1/ledger/payments/batch'), {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ payments: payments(2_000, 'big') }),
      });
      expect(big.status).toBe(200);
      const answered = (await big.json()) as { results: unknown[] };
      expect(answered.results).toHaveLength(2_000);
      expect(checker.check(responseSchema('post', '/v1/ledger/payments/batch', 200), answered)).toEqual([]);

      const tooLarge = await fetch(url('/v1/ledger/payments/batch'), {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ payments: payments(150_000, 'too-large-for-a-body') }),
      });
      expect(tooLarge.status).toBe(413);
      expect(checker.check(responseSchema('post', '/v1/ledger/payments/batch', 413), await tooLarge.json())).toEqual(
        [],
      );
    });

    it('answers a POST without a body as an empty message, not a crash', async () => {
      const res = await fetch(url('/v1/ledger/accounts'), {
        method: 'POST',
        headers: { [API_KEY_HEADER]: sut.apiKey },
      });
      expect(res.status).toBe(400);
    });

    it('answers a request without credentials with 401 UNAUTHENTICATED', async () => {
      const res = await fetch(url(`/v1/ledger/accounts/${id}/balance`));
      const json: unknown = await res.json();
      expect(res.status).toBe(401);
      expect(checker.check(responseSchema('get', '/v1/ledger/accounts/{id}/balance', 401), json)).toEqual([]);
    });
  });
});
