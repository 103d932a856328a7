import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeclaredRoute, ServiceDefinition, declaredRoutes, servedRoutes } from '@collections/runtime';
import { ServiceUnderTest, startServiceUnderTest } from './service-under-test';

/** The parts of an OpenAPI 3.1 document the checks below read. */
export interface OpenApiOperation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown; description?: string }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  responses?: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  security: Record<string, string[]>[];
  tags: { name: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown>; responses: object };
}

export interface DocumentedOperation {
  /** `GET /v1/ledger/accounts/{id}/balance` */
  key: string;
  method: string;
  path: string;
  op: OpenApiOperation;
  /** No credentials: `security: []` (health-like, or it authenticates otherwise). */
  public: boolean;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
/** Served by libs/platform for every service, not part of a service's API. */
export const PLATFORM_ROUTES = ['GET /health', 'GET /ready', 'GET /metrics'];
/** Every service whose REST API has an OpenAPI document, services/<name>/openapi.yaml (scripts/openapi.mjs). */
export const OPENAPI_SERVICES = ['ledger', 'scoring', 'orchestrator', 'promises', 'reporting'] as const;

/** services/<service>/openapi.yaml, parsed (the `yaml` package is the repository root's dev dependency). */
export function readOpenApiDocument(service: string): OpenApiDocument {
  const repo = join(__dirname, '..', '..', '..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require(require.resolve('yaml', { paths: [repo] })) as { parse(text: string): unknown };
  return parse(readFileSync(join(repo, 'services', service, 'openapi.yaml'), 'utf8')) as OpenApiDocument;
}

export function documentedOperations(document: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        method,
        path,
        op,
        public: Array.isArray(op.security) && op.security.length === 0,
      })),
  );
}

/** Every local $ref that points at nothing. */
function danglingRefs(document: OpenApiDocument): string[] {
  const resolve = (ref: string) =>
    ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as never)[key] : undefined), document);
  const found: string[] = [];
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${at}/${i}`));
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') {
          if (!v.startsWith('#/') || resolve(v) === undefined) found.push(`${at}: dangling $ref ${v}`);
        } else walk(v, `${at}/${k}`);
      }
  };
  walk(document, '#');
  return found;
}

/**
 * What is wrong between a service's OpenAPI document and the routes its running Nest app serves
 * (`served`: the Express router; `declared`: the controllers' decorators): an empty list when the
 * document lists exactly the served routes (the platform's /health, /ready, /metrics aside) with
 * each one's success status and path and query parameters, and is structurally sound.
 */
export function openApiProblems(document: OpenApiDocument, served: string[], declared: DeclaredRoute[]): string[] {
  const problems: string[] = [];
  const ops = documentedOperations(document);
  const documented = new Set(ops.map((o) => o.key));
  const serving = new Set(served.filter((r) => !PLATFORM_ROUTES.includes(r)));
  for (const r of serving) if (!documented.has(r)) problems.push(`${r}: served but not documented`);
  for (const r of documented) if (!serving.has(r)) problems.push(`${r}: documented but not served`);

  const byKey = new Map(declared.map((r) => [r.key, r]));
  const tags = new Set(document.tags.map((t) => t.name));
  const schemes = Object.keys(document.components.securitySchemes);
  const ids = new Set<string>();
  for (const { key, path, op } of ops) {
    if (!op.operationId) problems.push(`${key}: no operationId`);
    else if (ids.has(op.operationId)) problems.push(`${key}: operationId ${op.operationId} twice`);
    else ids.add(op.operationId);
    for (const t of op.tags ?? []) if (!tags.has(t)) problems.push(`${key}: undeclared tag ${t}`);
    for (const requirement of op.security ?? document.security)
      for (const scheme of Object.keys(requirement))
        if (!schemes.includes(scheme)) problems.push(`${key}: unknown security scheme ${scheme}`);
    const statuses = Object.keys(op.responses ?? {});
    if (statuses.length === 0) problems.push(`${key}: no responses`);
    for (const s of statuses) if (!/^[1-5](\d\d|XX)$|^default$/.test(s)) problems.push(`${key}: bad status ${s}`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    const params = (where: string) =>
      (op.parameters ?? [])
        .filter((p) => p.in === where)
        .map((p) => p.name)
        .sort();
    if (JSON.stringify(params('path')) !== JSON.stringify(templated))
      problems.push(`${key}: path parameters ${params('path').join(',')} but the path has ${templated.join(',')}`);
    if ((op.parameters ?? []).some((p) => p.in === 'path' && p.required !== true))
      problems.push(`${key}: a path parameter is not required`);

    const route = byKey.get(key);
    if (!route) {
      if (serving.has(key)) problems.push(`${key}: no controller declares it`);
      continue;
    }
    const success = statuses.filter((s) => /^2\d\d$/.test(s));
    if (!success.includes(String(route.status)))
      problems.push(`${key}: answers ${route.status} on success, documented ${success.join(',')}`);
    // A handler may leave a path segment unread (the webhook handshake ignores {tenant}), never read one that is not there.
    for (const p of route.pathParams.filter((n) => n !== ''))
      if (!templated.includes(p)) problems.push(`${key}: the controller reads path parameter ${p}, not in the path`);
    // A handler that reads the whole query object reads any parameter: the document says which.
    if (!route.queryParams.includes('')) {
      const declaredQuery = [...route.queryParams].sort();
      if (JSON.stringify(declaredQuery) !== JSON.stringify(params('query')))
        problems.push(`${key}: the controller reads query ${declaredQuery.join(',')}, documented ${params('query')}`);
    }
    for (const h of route.headers.filter((n) => n !== ''))
      if (!params('header').includes(h)) problems.push(`${key}: reads header ${h}, not documented`);
  }
  problems.push(...danglingRefs(document));
  if (!/^3\.1\.\d+$/.test(document.openapi)) problems.push(`openapi ${document.openapi} is not 3.1`);
  if (!document.info?.title || !document.info?.version) problems.push('info lacks a title or version');
  if (!document.security?.length) problems.push('no default security');
  return problems;
}

/**
 * The OpenAPI acceptance every service's `test/openapi.medium.spec.ts` runs against its real Nest
 * app over real PostgreSQL: the document and the served routes agree, the document is served at
 * GET /v1/<service>/openapi.json without credentials, and a protected route refuses a request
 * without them as the document says.
 */
export function describeOpenApiDocument(
  service: (typeof OPENAPI_SERVICES)[number],
  definition: ServiceDefinition,
): void {
  const document = readOpenApiDocument(service);

  describe(`${service} OpenAPI document (real Nest app, real PostgreSQL)`, () => {
    let sut: ServiceUnderTest;

    beforeAll(async () => {
      sut = await startServiceUnderTest(definition);
    });
    afterAll(async () => {
      await sut.close();
    });

    it('documents every route the app serves with its success status and parameters, and serves every documented route', () => {
      expect(openApiProblems(document, servedRoutes(sut.app.app), declaredRoutes(sut.app.app))).toEqual([]);
    });

    it(`serves the document as JSON at GET /v1/${service}/openapi.json without credentials`, async () => {
      const res = await fetch(`${sut.app.httpUrl}/v1/${service}/openapi.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(document);
    });

    it('answers a documented route without credentials with 401, unless the document says it is public', async () => {
      const [path, item] = Object.entries(document.paths).find(([, i]) => i.get && i.get.security === undefined)!;
      const res = await fetch(`${sut.app.httpUrl}${path.replace(/\{[^}]+\}/g, 'x')}`);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(item.get!.responses).toHaveProperty('401');
    });
  });
}
