#!/usr/bin/env node
// Generates the OpenAPI 3.1 document of every service's REST API: services/<service>/openapi.yaml.
// The message schemas come from proto/ (the REST bodies are the proto messages in JSON form), the
// error responses from libs/platform's ErrorCode → HTTP status map, and the routes from the
// service's table in scripts/openapi/<service>.mjs. Each service's openapi medium test holds its
// table to the routes Nest serves; the security test (libs/testing/test/security.large.spec.ts)
// calls every route the documents list.
//
//   node scripts/openapi.mjs [service...]           write the documents (all services by default)
//   node scripts/openapi.mjs --check [service...]   fail if a committed document is stale or has a dangling $ref
//
// A route entry: `method`, `path` ({id} style), and either `rpc` ('Service.Method' in the
// service's proto package: the request, response and comment come from the .proto) or `summary`
// + `response`. Optional: `id` (sugar for the path parameter `id`) or `params` (path parameters:
// {name, field?, what}), `query`, `headers`, `body` (a proto message name, or {field: description}),
// `bodySchema` (a JSON Schema), `noBody`, `rawBody`, `optionalBody`, `status` (a number or a list),
// `errors`, `public` (no credentials: it authenticates otherwise), `responseForm: 'toJSON'` (the
// canonical proto3 JSON: enums by name, defaults omitted), `response` ({contentType, schema,
// description}), `operationId`, `tag`, `notes`.
//
// Needs the built platform library (libs/platform/dist): run `npm run setup` first.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const protobuf = createRequire(join(root, 'libs/contracts/package.json'))('protobufjs');
const YAML = require('yaml');

const PROTO_ROOT = join(root, 'proto');
const TABLES = join(root, 'scripts/openapi');

const camelCase = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const lowerFirst = (s) => s[0].toLowerCase() + s.slice(1);
const capitalize = (s) => s[0].toUpperCase() + s.slice(1);
const oneLine = (text) => (text ?? '').replace(/\s+/g, ' ').trim();
const described = (text) => (oneLine(text) ? { description: oneLine(text) } : {});

function loadProtos(files) {
  const pbRoot = new protobuf.Root();
  // Imports are relative to proto/; google/protobuf/* come bundled with protobufjs.
  pbRoot.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : resolve(PROTO_ROOT, target);
  pbRoot.loadSync(
    files.map((f) => join(PROTO_ROOT, f)),
    { keepCase: true, alternateCommentMode: true },
  );
  pbRoot.resolveAll();
  return pbRoot;
}

function loadPlatform() {
  const dist = join(root, 'libs/platform/dist/index.js');
  if (!existsSync(dist)) {
    console.error(`openapi: ${relative(root, dist)} is missing — run npm run setup first`);
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
    case 'uint32':
    case 'fixed32':
      item = { type: 'integer', format: 'int32', minimum: 0 };
      break;
    case 'uint64':
    case 'fixed64':
      item = inRequests
        ? { type: ['integer', 'string'], format: 'int64', pattern: '^[0-9]+$' }
        : { type: 'integer', format: 'int64' };
      break;
    case 'double':
    case 'float':
      // proto3 JSON also reads "NaN", "Infinity" and "-Infinity" as strings.
      item = inRequests ? { type: ['number', 'string'], format: field.type } : { type: 'number', format: field.type };
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
      if (!target) throw new Error(`openapi: no JSON Schema mapping for ${field.type} (${field.fullName})`);
      if (target.fullName.startsWith('.google.protobuf.')) {
        if (!WELL_KNOWN[target.fullName])
          throw new Error(`openapi: no JSON Schema mapping for ${target.fullName} (${field.fullName})`);
        item = { ...WELL_KNOWN[target.fullName] };
      } else item = { $ref: `#/components/schemas/${target.name}` };
    }
  }
  const prop = field.repeated ? { type: 'array', items: item } : item;
  if (!field.comment) return prop;
  return prop.$ref ? { allOf: [prop], ...described(field.comment) } : { ...prop, ...described(field.comment) };
}

/** `inCanonical`: in a response written in canonical proto3 JSON (toJSON: enums by name, defaults omitted). */
function enumSchema(type, inRequests, inResponses, inCanonical) {
  const names = Object.keys(type.values);
  const numbers = names.map((n) => type.values[n]);
  const asNumber = { type: 'integer', enum: numbers, 'x-enum-varnames': names };
  if (inCanonical && !inRequests && !inResponses)
    return { ...described(`${oneLine(type.comment)} By name.`), type: 'string', enum: names };
  if (inCanonical)
    return {
      description: oneLine(`${oneLine(type.comment)} By name or number.`),
      anyOf: [{ type: 'string', enum: names }, asNumber],
    };
  if (!inRequests)
    return { ...described(`${oneLine(type.comment)} By number (names in x-enum-varnames).`), ...asNumber };
  const how = inResponses ? 'Requests send the name or the number; responses carry the number.' : 'By name or number.';
  return {
    description: oneLine(`${oneLine(type.comment)} ${how}`),
    anyOf: [{ type: 'string', enum: names }, asNumber],
  };
}

function messageSchema(type, inRequests, inResponses, inCanonical) {
  const properties = {};
  const required = [];
  for (const field of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
    const name = camelCase(field.name);
    properties[name] = fieldSchema(field, inRequests);
    // JSON.stringify of a ts-proto object writes every scalar and repeated field; sub-messages,
    // oneof members and proto3 optionals are absent when unset.
    const alwaysWritten = !(field.resolvedType && isMessage(field.resolvedType)) && field.partOf === null;
    if (inResponses && !inRequests && !inCanonical && alwaysWritten) required.push(name);
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

function errorResponses(platform, spec, used) {
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
    403: "Refused: a webhook's signature does not verify (Nest's `{statusCode, message, error}`), or the caller may not do this.",
    429: 'Too many requests from this client or for this link: wait the `Retry-After` seconds.',
    500: 'An unexpected failure: `errorId` names the log line that carries the cause.',
    ...spec.errorNotes,
  };
  const responses = {
    Error413: used.has(413) && {
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
  for (const status of Object.keys(WHAT)
    .map(Number)
    .filter((s) => used.has(s))) {
    const codes = byStatus.get(status);
    if (!codes) throw new Error(`openapi: no ErrorCode maps to HTTP ${status}`);
    const appError = { allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { code: { enum: codes } } }] };
    responses[`Error${status}`] = {
      description: `${WHAT[status]} Codes: ${codes.join(', ')}.`,
      content: {
        'application/json': {
          // Body-parser failures are Nest HttpExceptions, which the filter passes through as they are.
          schema:
            status === 400 || status === 403
              ? { anyOf: [appError, { $ref: '#/components/schemas/HttpError' }] }
              : appError,
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
    description: `The body of every error the ${spec.service} answers (HttpErrorFilter).`,
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', enum: Object.values(ErrorCode), description: 'Decides the HTTP status.' },
      message: { type: 'string', description: 'For people; do not parse it.' },
      details: { type: 'object', description: 'Machine-readable context, when the error has any.' },
      errorId: { type: 'string', format: 'uuid', description: 'Only on unexpected failures (500).' },
    },
  };
  if (!responses.Error413) delete responses.Error413;
  return { responses, errorSchema, httpErrorSchema };
}

function build(spec) {
  const pbRoot = loadProtos(spec.protoFiles);
  const platform = loadPlatform();
  const pkgJson = JSON.parse(readFileSync(join(root, `services/${spec.service}/package.json`), 'utf8'));
  const lookupIn = (what, name) => (name.includes('.') && what !== 'method' ? name : `${spec.pkg}.${name}`);

  const requestTypes = new Set();
  const responseTypes = new Set();
  const canonicalTypes = new Set();
  const usedStatuses = new Set();
  const paths = {};
  const operationIds = new Set();
  const seenRoutes = new Set();

  for (const route of spec.routes) {
    const key = `${route.method} ${route.path}`;
    if (seenRoutes.has(key)) throw new Error(`openapi: ${key} is listed twice`);
    seenRoutes.add(key);
    let method = null;
    let methodName = route.operationId;
    if (route.rpc) {
      const [serviceName, name] = route.rpc.split('.');
      methodName = name;
      method = pbRoot.lookupService(`${spec.pkg}.${serviceName}`).methods[name];
      if (!method) throw new Error(`openapi: ${route.rpc} is not an rpc in proto/`);
    } else if (!route.operationId || !route.summary || !(route.response || route.responseType)) {
      throw new Error(`openapi: ${key} has no rpc, so it needs an operationId, a summary and a response`);
    }
    const request = method?.resolvedRequestType ?? null;
    const response = route.responseType
      ? pbRoot.lookupType(lookupIn('type', route.responseType))
      : (method?.resolvedResponseType ?? null);
    if (response && !route.response) reach(response, route.responseForm === 'toJSON' ? canonicalTypes : responseTypes);

    const snake = (field) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const pathParams = route.params ?? (route.id ? [{ name: 'id', ...route.id }] : []);
    const parameters = [];
    for (const p of pathParams) {
      if (p.field && request && !request.fields[snake(p.field)] && !route.body && !route.bodySchema)
        throw new Error(`openapi: ${route.rpc} has no field ${p.field}`);
      parameters.push({
        name: p.name,
        in: 'path',
        required: true,
        description: p.field ? `${capitalize(p.what)} (the request's \`${p.field}\`).` : `${capitalize(p.what)}.`,
        schema: { type: 'string' },
      });
    }
    // `queryFromRequest`: every field of the rpc's request is a query parameter, named as in the .proto.
    const query = route.queryFromRequest
      ? request.fieldsArray.map((f) => ({
          name: f.name,
          field: camelCase(f.name),
          schema: fieldSchema(f, true),
          description: oneLine(f.comment) || `The request's \`${camelCase(f.name)}\`.`,
        }))
      : (route.query ?? []);
    for (const q of query) {
      parameters.push({ name: q.name, in: 'query', required: false, description: q.description, schema: q.schema });
    }
    for (const h of route.headers ?? []) {
      parameters.push({
        name: h.name,
        in: 'header',
        required: h.required ?? false,
        description: h.description,
        schema: { type: 'string' },
      });
    }

    let requestBody;
    const hasFieldsLeft = (request?.fieldsArray ?? []).some(
      (f) =>
        !pathParams.some((p) => p.field === camelCase(f.name)) && !query.some((q) => q.field === camelCase(f.name)),
    );
    if (route.noBody) {
      requestBody = undefined;
    } else if (route.bodySchema) {
      requestBody = {
        required: !route.optionalBody,
        content: route.bodySchema.content ?? { 'application/json': { schema: route.bodySchema } },
      };
    } else if (typeof route.body === 'object') {
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
    } else if (route.body || (route.method !== 'get' && request && hasFieldsLeft)) {
      const bodyType = route.body ? pbRoot.lookupType(lookupIn('type', route.body)) : request;
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

    const operationId = route.operationId ?? lowerFirst(methodName);
    if (operationIds.has(operationId)) throw new Error(`openapi: operationId ${operationId} twice`);
    operationIds.add(operationId);
    const success = Array.isArray(route.status) ? route.status : [route.status];
    const responses = {};
    for (const status of success) {
      responses[status] = route.response
        ? {
            description: route.response.description,
            ...(route.response.headers ? { headers: route.response.headers } : {}),
            content: { [route.response.contentType ?? 'application/json']: { schema: route.response.schema } },
          }
        : {
            description: `${response.name} in ${route.responseForm === 'toJSON' ? 'canonical proto3 JSON' : 'JSON'}.`,
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${response.name}` } } },
          };
    }
    const statuses = [
      ...route.errors,
      ...(route.public ? [] : [401]),
      500,
      ...(requestBody && !route.bodySchema?.content ? [400, 413] : []),
    ];
    for (const status of [...new Set(statuses)].sort()) {
      responses[status] = { $ref: `#/components/responses/Error${status}` };
      usedStatuses.add(status);
    }
    const summary = route.summary ?? oneLine(method.comment).replace(/^[A-Za-z]+ /, '');
    const description = method
      ? `${oneLine(method.comment)} gRPC twin: \`${spec.pkg}.${route.rpc.replace('.', '/')}\`. ${route.notes ?? ''}`
      : (route.notes ?? route.summary);
    paths[route.path] ??= {};
    paths[route.path][route.method] = {
      operationId,
      tags: [route.tag],
      summary: capitalize(summary.split(/(?<=[.;:])\s/)[0].replace(/[.;:]$/, '')),
      description: oneLine(description),
      ...(route.public ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }

  paths[spec.documentPath] = {
    get: {
      operationId: 'getOpenApiDocument',
      tags: ['meta'],
      summary: 'This OpenAPI document, as JSON',
      description: `Public: no credentials needed. The same document as ${spec.out}.`,
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
  for (const type of [...new Set([...requestTypes, ...responseTypes, ...canonicalTypes])]) {
    const previous = byName.get(type.name);
    if (previous && previous !== type)
      throw new Error(`openapi: ${type.fullName} and ${previous.fullName} share a schema name`);
    byName.set(type.name, type);
    const inRequests = requestTypes.has(type);
    const inResponses = responseTypes.has(type);
    const inCanonical = canonicalTypes.has(type);
    schemas[type.name] = isEnum(type)
      ? enumSchema(type, inRequests, inResponses, inCanonical)
      : messageSchema(type, inRequests, inResponses, inCanonical);
  }
  for (const [name, schema] of Object.entries(spec.extraSchemas ?? {})) schemas[name] = schema;
  const { responses, errorSchema, httpErrorSchema } = errorResponses(platform, spec, usedStatuses);
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
      title: spec.title,
      version: pkgJson.version,
      description: spec.description,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: spec.servers,
    security: [{ apiKey: [] }, { bearerAuth: [] }],
    tags: spec.tags,
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

function render(spec, doc) {
  const header = `# GENERATED by scripts/openapi.mjs from proto/ and the route table in scripts/openapi/${spec.service}.mjs. Do not edit.\n`;
  return header + YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

const args = process.argv.slice(2);
const check = args.includes('--check');
const only = args.filter((a) => !a.startsWith('--'));
const tables = readdirSync(TABLES)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.replace(/\.mjs$/, ''))
  .sort();
for (const name of only)
  if (!tables.includes(name)) {
    console.error(`openapi: no route table scripts/openapi/${name}.mjs (there are: ${tables.join(', ')})`);
    process.exit(1);
  }
let failed = false;
for (const name of only.length ? only : tables) {
  const spec = (await import(pathToFileURL(join(TABLES, `${name}.mjs`)).href)).default;
  const out = join(root, spec.out);
  const relOut = relative(root, out);
  const doc = build(spec);
  const text = render(spec, doc);
  const missing = danglingRefs(doc);
  for (const m of missing) console.error(`${relOut}: dangling $ref at ${m}`);
  if (missing.length) {
    failed = true;
    continue;
  }
  if (check) {
    const committed = existsSync(out) ? readFileSync(out, 'utf8') : null;
    if (committed !== text) {
      console.error(`${relOut} is out of date with proto/ or its route table — run node scripts/openapi.mjs`);
      failed = true;
      continue;
    }
  } else writeFileSync(out, text);
  console.log(check ? `${relOut} is up to date` : `wrote ${relOut}`);
}
if (failed) process.exit(1);
