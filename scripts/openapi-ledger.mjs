#!/usr/bin/env node
// Generates services/ledger/openapi.yaml (OpenAPI 3.1) for the ledger's REST API: the message
// schemas come from proto/ (the REST bodies are the proto messages in JSON form), the error
// responses from libs/platform's ErrorCode → HTTP status map, and the routes from the table
// below. services/ledger/test/openapi.medium.spec.ts holds the table to the routes Nest serves.
//
//   node scripts/openapi-ledger.mjs           write services/ledger/openapi.yaml
//   node scripts/openapi-ledger.mjs --check   fail if the committed file is stale or has a dangling $ref
//
// Needs the built platform library (libs/platform/dist): run `npm run setup` first.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const protobuf = createRequire(join(root, 'libs/contracts/package.json'))('protobufjs');
const YAML = require('yaml');

const OUT = join(root, 'services/ledger/openapi.yaml');
const REL_OUT = relative(root, OUT);
const PROTO_ROOT = join(root, 'proto');
const PROTO_FILES = ['ledger.proto', 'lifecycle.proto', 'reconciliation.proto'].map((f) =>
  join(PROTO_ROOT, 'collections/ledger/v1', f),
);
const PKG = 'collections.ledger.v1';

/** `id` in a path is the one path parameter every route uses; `field` is where it lands in the request. */
const ID = (field, what) => ({ field, what });

const IDEMPOTENT =
  'Idempotent: send a unique `idempotencyKey`; a retry with the same key and the same request returns the first answer (with `replayed: true`) and posts nothing; the same key with a different request is refused with 409 CONFLICT.';

/**
 * Every REST route of the ledger: the gRPC method it delegates to (its request and response
 * messages and comment come from the .proto), and what the REST twin adds. `status` is the
 * status Nest answers with on success (201 for a POST without @HttpCode).
 */
const ROUTES = [
  // LedgerService: debtors
  {
    method: 'put',
    path: '/v1/ledger/debtors/{id}',
    rpc: 'LedgerService.UpsertDebtor',
    tag: 'debtors',
    id: ID('debtorId', 'the debtor id (yours)'),
    body: 'Debtor',
    status: 200,
    errors: [400],
    notes:
      'The body is the Debtor itself (not wrapped in UpsertDebtorRequest). Upserting the same debtor again is harmless: `created` says whether it is new.',
  },
  {
    method: 'post',
    path: '/v1/ledger/debtors/{id}/holds',
    rpc: 'LedgerService.SetHold',
    tag: 'debtors',
    id: ID('debtorId', 'the debtor id'),
    status: 201,
    errors: [400, 404, 409],
    notes: IDEMPOTENT,
  },
  {
    method: 'post',
    path: '/v1/ledger/holds/{id}/lift',
    rpc: 'LedgerService.LiftHold',
    tag: 'debtors',
    id: ID('holdId', 'the hold id returned by SetHold'),
    body: { reason: 'Why the hold ends (required).' },
    status: 201,
    errors: [400, 404],
    notes: 'Lifting a hold that is no longer active answers `lifted: false`.',
  },
  {
    method: 'post',
    path: '/v1/ledger/debtors/{id}/consents',
    rpc: 'LedgerService.RecordConsent',
    tag: 'debtors',
    id: ID('debtorId', 'the debtor id'),
    status: 201,
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/v1/ledger/debtors/{id}/export',
    rpc: 'LedgerService.ExportDebtor',
    tag: 'debtors',
    id: ID('debtorId', 'the debtor id'),
    status: 200,
    errors: [404],
    notes: 'The national id is never returned.',
  },
  {
    method: 'post',
    path: '/v1/ledger/debtors/{id}/erasure',
    rpc: 'LedgerService.EraseDebtor',
    tag: 'debtors',
    id: ID('debtorId', 'the debtor id'),
    body: { reason: 'Why the data is erased (required: erasures are audited).' },
    status: 201,
    errors: [400, 404],
  },
  // LedgerService: accounts and money
  {
    method: 'post',
    path: '/v1/ledger/accounts',
    rpc: 'LedgerService.OpenAccount',
    tag: 'accounts',
    status: 201,
    errors: [400, 409],
    notes:
      'Opening the same account again (same id, same external reference) answers `created: false`. `creditLimitMinor` is in minor units of `currency` (ISO 4217).',
  },
  {
    method: 'get',
    path: '/v1/ledger/accounts/{id}/balance',
    rpc: 'LedgerService.GetBalance',
    tag: 'accounts',
    id: ID('accountId', 'the account id'),
    query: [
      {
        name: 'asOf',
        field: 'asOfDate',
        schema: { type: 'string', format: 'date' },
        description: 'Calendar date YYYY-MM-DD in the account time zone; today when absent.',
      },
    ],
    status: 200,
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/v1/ledger/accounts/{id}/history',
    rpc: 'LedgerService.GetAccountHistory',
    tag: 'accounts',
    id: ID('accountId', 'the account id'),
    status: 200,
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/ledger/accounts/{id}/statements',
    rpc: 'LedgerService.IssueStatement',
    tag: 'accounts',
    id: ID('accountId', 'the account id'),
    status: 201,
    errors: [400, 404],
    notes: 'Issuing the same cycle again answers `created: false`.',
  },
  {
    method: 'post',
    path: '/v1/ledger/accounts/{id}/payments',
    rpc: 'LedgerService.PostPayment',
    tag: 'payments',
    id: ID('accountId', 'the account id'),
    status: 201,
    errors: [400, 404, 409],
    notes: `${IDEMPOTENT} \`amount\` is positive, in the account currency.`,
  },
  {
    method: 'post',
    path: '/v1/ledger/payments/batch',
    rpc: 'LedgerService.PostPayments',
    tag: 'payments',
    status: 200,
    errors: [400],
    notes:
      'Each payment is idempotent on its own `idempotencyKey` (required); a refused payment is answered in its `results[i].error` with the code and message a single call would have got, and does not fail the call. Up to 10,000 payments per call, over REST (16 MB JSON body limit) as over gRPC.',
  },
  {
    method: 'post',
    path: '/v1/ledger/accounts/{id}/charges',
    rpc: 'LedgerService.PostCharge',
    tag: 'payments',
    id: ID('accountId', 'the account id'),
    status: 201,
    errors: [400, 404, 409],
    notes: `${IDEMPOTENT} \`kind\` is ENTRY_KIND_CHARGE, ENTRY_KIND_INTEREST or ENTRY_KIND_FEE.`,
  },
  {
    method: 'post',
    path: '/v1/ledger/accounts/{id}/adjustments',
    rpc: 'LedgerService.PostAdjustment',
    tag: 'payments',
    id: ID('accountId', 'the account id'),
    status: 201,
    errors: [400, 404, 409],
    notes: IDEMPOTENT,
  },
  {
    method: 'post',
    path: '/v1/ledger/payments/{id}/reversal',
    rpc: 'LedgerService.ReversePayment',
    tag: 'payments',
    id: ID('paymentId', 'the payment id returned by PostPayment'),
    status: 201,
    errors: [400, 404, 409],
    notes: `${IDEMPOTENT} A payment is reversed at most once.`,
  },
  // LedgerLifecycleService
  {
    method: 'put',
    path: '/v1/ledger/accounts/{id}/instalments',
    rpc: 'LedgerLifecycleService.SetInstalmentSchedule',
    tag: 'lifecycle',
    id: ID('accountId', 'the account id'),
    status: 200,
    errors: [400, 404, 422],
    notes: 'Replaces the whole schedule, so repeating the call is harmless.',
  },
  {
    method: 'get',
    path: '/v1/ledger/accounts/{id}/instalments',
    rpc: 'LedgerLifecycleService.GetInstalmentSchedule',
    tag: 'lifecycle',
    id: ID('accountId', 'the account id'),
    status: 200,
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/ledger/accounts/{id}/charge-off',
    rpc: 'LedgerLifecycleService.ChargeOffAccount',
    tag: 'lifecycle',
    id: ID('accountId', 'the account id'),
    status: 201,
    errors: [400, 404, 409, 422],
    notes: IDEMPOTENT,
  },
  {
    method: 'post',
    path: '/v1/ledger/accounts/{id}/settlement',
    rpc: 'LedgerLifecycleService.SettleAccount',
    tag: 'lifecycle',
    id: ID('accountId', 'the account id'),
    status: 201,
    errors: [400, 404, 409, 422],
    notes: IDEMPOTENT,
  },
  {
    method: 'post',
    path: '/v1/ledger/accounts/{id}/closure',
    rpc: 'LedgerLifecycleService.CloseAccount',
    tag: 'lifecycle',
    id: ID('accountId', 'the account id'),
    status: 201,
    errors: [404, 422],
    notes: 'Closing a closed account answers `closed: false`.',
  },
  {
    method: 'get',
    path: '/v1/ledger/accounts/{id}/status',
    rpc: 'LedgerLifecycleService.GetAccountStatus',
    tag: 'lifecycle',
    id: ID('accountId', 'the account id'),
    status: 200,
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/ledger/delinquency/daily-runs',
    rpc: 'LedgerLifecycleService.RunDailyDelinquency',
    tag: 'lifecycle',
    status: 201,
    errors: [400],
    optionalBody: true,
    notes: 'Running it again for the same date moves nothing and emits no event twice.',
  },
  {
    method: 'put',
    path: '/v1/ledger/aging-buckets',
    rpc: 'LedgerLifecycleService.SetAgingBuckets',
    tag: 'lifecycle',
    status: 200,
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/ledger/aging-buckets',
    rpc: 'LedgerLifecycleService.GetAgingBuckets',
    tag: 'lifecycle',
    status: 200,
    errors: [],
  },
  // ReconciliationService
  {
    method: 'post',
    path: '/v1/ledger/reconciliation/files',
    rpc: 'ReconciliationService.ImportStatement',
    tag: 'reconciliation',
    query: [
      {
        name: 'kind',
        schema: { type: 'string', enum: ['bank_csv', 'camt053', 'gateway_csv'] },
        description: 'The file format; required when the body is the raw file.',
      },
      { name: 'name', schema: { type: 'string' }, description: 'The file name, for the review queue (raw body).' },
    ],
    rawBody: true,
    status: 200,
    errors: [400],
    notes:
      'Send the file either as the raw body (`text/csv`, `application/xml`, ...; at most 10 MiB) with `?kind=&name=`, or as `application/json` ImportStatementRequest (`content` base64; the JSON body limit is 16 MB). A file that does not validate answers 200 with `rejected` and `errors[]`, and nothing is written. Idempotent by content: the same bytes again answer the first counts with `alreadyImported: true`.',
  },
  {
    method: 'get',
    path: '/v1/ledger/reconciliation/files/{id}',
    rpc: 'ReconciliationService.GetFile',
    tag: 'reconciliation',
    id: ID('fileId', 'the file id returned by ImportStatement'),
    status: 200,
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/ledger/reconciliation/items/unmatched',
    rpc: 'ReconciliationService.ListUnmatched',
    tag: 'reconciliation',
    query: [
      {
        name: 'pageSize',
        field: 'pageSize',
        schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
        description: 'Items per page.',
      },
      {
        name: 'pageToken',
        field: 'pageToken',
        schema: { type: 'string' },
        description: '`nextPageToken` of the previous page.',
      },
      {
        name: 'fileId',
        field: 'fileId',
        schema: { type: 'string', format: 'uuid' },
        description: "Only this file's items.",
      },
    ],
    status: 200,
    errors: [400],
  },
  {
    method: 'post',
    path: '/v1/ledger/reconciliation/items/{id}/resolution',
    rpc: 'ReconciliationService.ResolveItem',
    tag: 'reconciliation',
    id: ID('itemId', 'the reconciliation item id'),
    status: 201,
    errors: [400, 404, 409],
    notes:
      'Set exactly one of `accountId` (post the credit as a payment to it, exactly once) and `ignoreReason`. Resolving again the same way answers the same item with `replayed: true`; another way is 409 CONFLICT.',
  },
];

/** The route that serves this document; public so tools can fetch it without a key. */
const DOCUMENT_ROUTE = { method: 'get', path: '/v1/ledger/openapi.json' };

const TAGS = [
  { name: 'debtors', description: 'Debtors, holds, contact consent and data-subject requests.' },
  { name: 'accounts', description: 'Accounts, balances, history and statements.' },
  { name: 'payments', description: 'Payments, charges, adjustments and reversals: the journal.' },
  { name: 'lifecycle', description: 'Instalments, charge-off, settlement, closure, delinquency and aging buckets.' },
  { name: 'reconciliation', description: 'Bank statements and gateway files matched to accounts; the review queue.' },
  { name: 'meta', description: 'This document.' },
];

const DESCRIPTION = `REST twin of the ledger's gRPC services (\`${PKG}.LedgerService\`, \`LedgerLifecycleService\`, \`ReconciliationService\`): the same use cases, the same validation, the same answers.

**Bodies** are the proto messages (proto/collections/ledger/v1) in JSON: camelCase field names (snake_case is accepted too), absent fields take their proto3 default, enums are sent by name (\`"PRODUCT_CREDIT_CARD"\`) or by number. Responses carry every scalar field (defaults included) and enums **by number**. A value in the path wins over the same field in the body.

**Money** is \`{"amountMinor": 1234, "currency": "USD"}\`: an integer in minor units (cents, centavos) of an ISO 4217 currency, never a float; 12.34 USD is 1234. Requests may send \`amountMinor\` as a string of digits (the proto3 JSON form of int64); responses send a number.

**Idempotency**: commands that post to the journal or set a hold take an \`idempotencyKey\`. A retry with the same key returns the first answer (\`replayed: true\`) and changes nothing, even when the retries run concurrently; the same key with a different request is refused with 409 CONFLICT.

**Errors** answer \`{"code", "message", "details"?}\`; the HTTP status follows from \`code\` (libs/platform/src/errors.ts). An unexpected failure answers 500 with an \`errorId\` that names the log line carrying the cause.

**Tenancy**: every call acts in the tenant of its credentials (API key or the \`tenant\` claim of a bearer token).`;

const camelCase = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const lowerFirst = (s) => s[0].toLowerCase() + s.slice(1);
const capitalize = (s) => s[0].toUpperCase() + s.slice(1);
const oneLine = (text) => (text ?? '').replace(/\s+/g, ' ').trim();
const described = (text) => (oneLine(text) ? { description: oneLine(text) } : {});

function loadProtos() {
  const pbRoot = new protobuf.Root();
  // Imports are relative to proto/; google/protobuf/* come bundled with protobufjs.
  pbRoot.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : resolve(PROTO_ROOT, target);
  pbRoot.loadSync(PROTO_FILES, { keepCase: true, alternateCommentMode: true });
  pbRoot.resolveAll();
  return pbRoot;
}

function loadPlatform() {
  const dist = join(root, 'libs/platform/dist/index.js');
  if (!existsSync(dist)) {
    console.error(`openapi-ledger: ${relative(root, dist)} is missing — run npm run setup first`);
    process.exit(1);
  }
  return require(dist);
}

const isMessage = (t) => t instanceof protobuf.Type;
const isEnum = (t) => t instanceof protobuf.Enum;
/** proto3 `optional` fields sit in a synthetic oneof named `_<field>`. */
const isProto3Optional = (f) => f.partOf !== null && f.partOf.name === `_${f.name}`;

/** Every message and enum a type reaches through its fields (itself included). */
function reach(type, seen) {
  if (seen.has(type)) return;
  seen.add(type);
  if (!isMessage(type)) return;
  for (const field of type.fieldsArray) {
    const target = field.resolvedType;
    if (target && !target.fullName.startsWith('.google.protobuf.')) reach(target, seen);
  }
}

const WELL_KNOWN = {
  '.google.protobuf.Timestamp': { type: 'string', format: 'date-time' },
};

/**
 * The JSON Schema of one field. Types sent in requests accept what ts-proto's fromJSON reads
 * (enum names or numbers, int64 as number or digit string); types only ever in responses are
 * described exactly as JSON.stringify writes the ts-proto object (enum numbers, int64 numbers).
 */
function fieldSchema(field, inRequests) {
  let item;
  switch (field.type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      item = { type: 'integer', format: 'int32' };
      break;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      item = inRequests
        ? { type: ['integer', 'string'], format: 'int64', pattern: '^-?[0-9]+$' }
        : { type: 'integer', format: 'int64' };
      break;
    case 'bool':
      item = { type: 'boolean' };
      break;
    case 'string':
      item = { type: 'string' };
      break;
    case 'bytes':
      item = { type: 'string', contentEncoding: 'base64' };
      break;
    default: {
      const target = field.resolvedType;
      if (!target) throw new Error(`openapi-ledger: no JSON Schema mapping for ${field.type} (${field.fullName})`);
      if (target.fullName.startsWith('.google.protobuf.')) {
        if (!WELL_KNOWN[target.fullName])
          throw new Error(`openapi-ledger: no JSON Schema mapping for ${target.fullName} (${field.fullName})`);
        item = { ...WELL_KNOWN[target.fullName] };
      } else item = { $ref: `#/components/schemas/${target.name}` };
    }
  }
  const prop = field.repeated ? { type: 'array', items: item } : item;
  if (!field.comment) return prop;
  return prop.$ref ? { allOf: [prop], ...described(field.comment) } : { ...prop, ...described(field.comment) };
}

function enumSchema(type, inRequests, inResponses) {
  const names = Object.keys(type.values);
  const numbers = names.map((n) => type.values[n]);
  const asNumber = { type: 'integer', enum: numbers, 'x-enum-varnames': names };
  if (!inRequests)
    return { ...described(`${oneLine(type.comment)} By number (names in x-enum-varnames).`), ...asNumber };
  const how = inResponses ? 'Requests send the name or the number; responses carry the number.' : 'By name or number.';
  return {
    description: oneLine(`${oneLine(type.comment)} ${how}`),
    anyOf: [{ type: 'string', enum: names }, asNumber],
  };
}

function messageSchema(type, inRequests, inResponses) {
  const properties = {};
  const required = [];
  for (const field of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
    const name = camelCase(field.name);
    properties[name] = fieldSchema(field, inRequests);
    // JSON.stringify of a ts-proto object writes every scalar and repeated field; sub-messages,
    // oneof members and proto3 optionals are absent when unset.
    const alwaysWritten = !(field.resolvedType && isMessage(field.resolvedType)) && field.partOf === null;
    if (inResponses && !inRequests && alwaysWritten) required.push(name);
  }
  const oneofs = type.oneofsArray
    .filter((o) => !o.fieldsArray.every(isProto3Optional))
    .map((o) => `Exactly one of ${o.fieldsArray.map((f) => `\`${camelCase(f.name)}\``).join(', ')} is set.`);
  return {
    type: 'object',
    ...described([type.comment, ...oneofs].join(' ')),
    properties,
    ...(required.length ? { required } : {}),
  };
}

function errorResponses(platform) {
  const { ErrorCode, httpStatusOf } = platform;
  const byStatus = new Map();
  for (const code of Object.values(ErrorCode)) {
    const status = httpStatusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const WHAT = {
    400: "A field is invalid (`{code, message}`), or the body is not JSON (Nest's `{statusCode, message, error}`).",
    401: 'Missing or invalid credentials.',
    404: 'The resource in the path (or one the body names) does not exist in your tenant.',
    409: 'A conflict: the idempotency key was used for a different request, the external reference is taken, the item was resolved another way.',
    422: "The request is well-formed but the resource's state forbids it (e.g. closing an account whose balance is not zero).",
    500: 'An unexpected failure: `errorId` names the log line that carries the cause.',
  };
  const responses = {
    Error413: {
      description: 'The JSON body is over the 16 MB limit (the body parser refused it). Codes: INVALID_ARGUMENT.',
      content: {
        'application/json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { code: { enum: ['INVALID_ARGUMENT'] } } }],
          },
        },
      },
    },
  };
  for (const status of Object.keys(WHAT).map(Number)) {
    const codes = byStatus.get(status);
    if (!codes) throw new Error(`openapi-ledger: no ErrorCode maps to HTTP ${status}`);
    const appError = { allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { code: { enum: codes } } }] };
    responses[`Error${status}`] = {
      description: `${WHAT[status]} Codes: ${codes.join(', ')}.`,
      content: {
        'application/json': {
          // Body-parser failures are Nest HttpExceptions, which the filter passes through as they are.
          schema: status === 400 ? { anyOf: [appError, { $ref: '#/components/schemas/HttpError' }] } : appError,
        },
      },
    };
  }
  const httpErrorSchema = {
    type: 'object',
    description: "Nest's own error body, for a body that is not JSON (the failure happens before the handler runs).",
    required: ['statusCode', 'message'],
    properties: {
      statusCode: { type: 'integer' },
      message: { type: 'string' },
      error: { type: 'string' },
    },
  };
  const errorSchema = {
    type: 'object',
    description: 'The body of every error the ledger answers (HttpErrorFilter).',
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', enum: Object.values(ErrorCode), description: 'Decides the HTTP status.' },
      message: { type: 'string', description: 'For people; do not parse it.' },
      details: { type: 'object', description: 'Machine-readable context, when the error has any.' },
      errorId: { type: 'string', format: 'uuid', description: 'Only on unexpected failures (500).' },
    },
  };
  return { responses, errorSchema, httpErrorSchema };
}

function build() {
  const pbRoot = loadProtos();
  const platform = loadPlatform();
  const pkgJson = JSON.parse(readFileSync(join(root, 'services/ledger/package.json'), 'utf8'));

  const requestTypes = new Set();
  const responseTypes = new Set();
  const paths = {};
  const operationIds = new Set();
  const seenRoutes = new Set();

  for (const route of ROUTES) {
    const [serviceName, methodName] = route.rpc.split('.');
    const method = pbRoot.lookupService(`${PKG}.${serviceName}`).methods[methodName];
    if (!method) throw new Error(`openapi-ledger: ${route.rpc} is not an rpc in proto/`);
    const key = `${route.method} ${route.path}`;
    if (seenRoutes.has(key)) throw new Error(`openapi-ledger: ${key} is listed twice`);
    seenRoutes.add(key);
    const request = method.resolvedRequestType;
    const response = method.resolvedResponseType;
    reach(response, responseTypes);

    const pathField = route.id ? request.fields[route.id.field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] : null;
    if (route.id && !pathField && !route.body)
      throw new Error(`openapi-ledger: ${route.rpc} has no field ${route.id.field}`);
    const parameters = [];
    if (route.id) {
      parameters.push({
        name: 'id',
        in: 'path',
        required: true,
        description: `${capitalize(route.id.what)} (the request's \`${route.id.field}\`).`,
        schema: { type: 'string' },
      });
    }
    for (const q of route.query ?? []) {
      parameters.push({ name: q.name, in: 'query', required: false, description: q.description, schema: q.schema });
    }

    let requestBody;
    const hasFieldsLeft = request.fieldsArray.some(
      (f) => camelCase(f.name) !== route.id?.field && !(route.query ?? []).some((q) => q.field === camelCase(f.name)),
    );
    if (typeof route.body === 'object') {
      requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: Object.fromEntries(
                Object.entries(route.body).map(([k, d]) => [k, { type: 'string', description: d }]),
              ),
              required: Object.keys(route.body),
            },
          },
        },
      };
    } else if (route.body || (route.method !== 'get' && hasFieldsLeft)) {
      const bodyType = route.body ? pbRoot.lookupType(`${PKG}.${route.body}`) : request;
      reach(bodyType, requestTypes);
      const json = { schema: { $ref: `#/components/schemas/${bodyType.name}` } };
      requestBody = {
        required: !route.optionalBody,
        content: route.rawBody
          ? {
              'application/json': json,
              'text/csv': { schema: { type: 'string' } },
              'application/xml': { schema: { type: 'string' } },
              'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
            }
          : { 'application/json': json },
      };
    }

    const operationId = lowerFirst(methodName);
    if (operationIds.has(operationId)) throw new Error(`openapi-ledger: operationId ${operationId} twice`);
    operationIds.add(operationId);
    const responses = {
      [route.status]: {
        description: `${response.name} in JSON.`,
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${response.name}` } } },
      },
    };
    const statuses = [...route.errors, 401, 500, ...(requestBody ? [400, 413] : [])];
    for (const status of [...new Set(statuses)].sort())
      responses[status] = { $ref: `#/components/responses/Error${status}` };
    const summary = oneLine(method.comment).replace(/^[A-Za-z]+ /, '');
    paths[route.path] ??= {};
    paths[route.path][route.method] = {
      operationId,
      tags: [route.tag],
      summary: capitalize(summary.split(/(?<=[.;:])\s/)[0].replace(/[.;:]$/, '')),
      description: oneLine(
        `${oneLine(method.comment)} gRPC twin: \`${PKG}.${route.rpc.replace('.', '/')}\`. ${route.notes ?? ''}`,
      ),
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }

  paths[DOCUMENT_ROUTE.path] = {
    [DOCUMENT_ROUTE.method]: {
      operationId: 'getOpenApiDocument',
      tags: ['meta'],
      summary: 'This OpenAPI document, as JSON',
      description: 'Public: no credentials needed. The same document as services/ledger/openapi.yaml.',
      security: [],
      responses: {
        200: {
          description: 'The OpenAPI 3.1 document.',
          content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'paths'] } } },
        },
      },
    },
  };

  const schemas = {};
  const byName = new Map();
  for (const type of [...new Set([...requestTypes, ...responseTypes])]) {
    const previous = byName.get(type.name);
    if (previous && previous !== type)
      throw new Error(`openapi-ledger: ${type.fullName} and ${previous.fullName} share a schema name`);
    byName.set(type.name, type);
    const inRequests = requestTypes.has(type);
    const inResponses = responseTypes.has(type);
    schemas[type.name] = isEnum(type)
      ? enumSchema(type, inRequests, inResponses)
      : messageSchema(type, inRequests, inResponses);
  }
  const { responses, errorSchema, httpErrorSchema } = errorResponses(platform);
  schemas.Error = errorSchema;
  schemas.HttpError = httpErrorSchema;

  const sorted = (obj) =>
    Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, obj[k]]),
    );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Collections ledger REST API',
      version: pkgJson.version,
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      { url: 'http://localhost:3000', description: 'Embedded platform (npm start)' },
      { url: 'http://localhost:3001', description: 'Ledger alone (npm run start:distributed)' },
    ],
    security: [{ apiKey: [] }, { bearerAuth: [] }],
    tags: TAGS,
    paths: sorted(paths),
    components: {
      securitySchemes: {
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description:
            '`x-api-key: <key>`: a tenant API key (the API_KEYS setting, "tenant:key" pairs). Checked first.',
        },
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            '`Authorization: Bearer <jwt>`: HS256, signed with the service JWT secret, with `tenant` and `sub` claims (`roles`, `exp`, `nbf` optional). Used when no x-api-key is sent.',
        },
      },
      responses,
      schemas: sorted(schemas),
    },
  };
}

/** Every local `$ref` must point at something in the document. */
function danglingRefs(doc) {
  const missing = [];
  const resolvePointer = (ref) =>
    ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((node, key) => (node && typeof node === 'object' ? node[key] : undefined), doc);
  const walk = (node, at) => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${at}/${i}`));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string' && (!v.startsWith('#/') || resolvePointer(v) === undefined))
          missing.push(`${at}: ${v}`);
        else walk(v, `${at}/${k}`);
      }
    }
  };
  walk(doc, '#');
  return missing;
}

function render(doc) {
  const header = '# GENERATED by scripts/openapi-ledger.mjs from proto/ and its route table. Do not edit.\n';
  return header + YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

const check = process.argv.includes('--check');
const doc = build();
const text = render(doc);
const missing = danglingRefs(doc);
for (const m of missing) console.error(`${REL_OUT}: dangling $ref at ${m}`);
if (missing.length) process.exit(1);
if (check) {
  const committed = existsSync(OUT) ? readFileSync(OUT, 'utf8') : null;
  if (committed !== text) {
    console.error(`${REL_OUT} is out of date with proto/ or the route table — run node scripts/openapi-ledger.mjs`);
    process.exit(1);
  }
}
if (!check) writeFileSync(OUT, text);
console.log(check ? `${REL_OUT} is up to date` : `wrote ${REL_OUT}`);
