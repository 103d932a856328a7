#!/usr/bin/env node
// Generates proto/asyncapi.yaml (AsyncAPI 3.0) from the topic registry (libs/contracts EVENTS)
// and the .proto files, so the event catalogue can never drift from the code.
//
//   node scripts/asyncapi.mjs           write proto/asyncapi.yaml
//   node scripts/asyncapi.mjs --check   fail if the committed file is stale; validate it
//
// Needs the built contracts (libs/contracts/dist): run `npm run setup` first.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const protobuf = createRequire(join(root, 'libs/contracts/package.json'))('protobufjs');
const YAML = require('yaml');

const OUT = join(root, 'proto', 'asyncapi.yaml');
const REL_OUT = relative(root, OUT);

/**
 * Which service consumes which event types (ce_type). The publisher of an event is the service
 * named in its protobuf package (collections.<service>.v1.X). Keep this in step with each
 * service's consumer handlers: it drives the `receive` operations and the dead-letter channels.
 */
const CONSUMERS = {
  // ledgerDisputeConsumer (services/ledger/src/ledger/dispute.consumer.ts): a dispute on a call or in a reply.
  ledger: ['collections.orchestrator.v1.CallOutcomeRecorded', 'collections.orchestrator.v1.DebtorReplied'],
  scoring: [
    'collections.ledger.v1.AccountOpened',
    'collections.ledger.v1.StatementIssued',
    'collections.ledger.v1.PaymentPosted',
    'collections.ledger.v1.PaymentReversed',
    'collections.ledger.v1.BalanceChanged',
    'collections.ledger.v1.DelinquencyChanged',
  ],
  // plannerHandlers (services/orchestrator/src/planning/planner.consumer.ts), debtor facts included.
  orchestrator: [
    'collections.ledger.v1.DebtorUpserted',
    'collections.ledger.v1.ConsentChanged',
    'collections.ledger.v1.HoldChanged',
    'collections.ledger.v1.AccountOpened',
    'collections.ledger.v1.StatementIssued',
    'collections.ledger.v1.BalanceChanged',
    'collections.ledger.v1.PaymentPosted',
    'collections.ledger.v1.PaymentReversed',
    'collections.ledger.v1.DelinquencyChanged',
    'collections.scoring.v1.AccountScored',
    'collections.scoring.v1.SegmentChanged',
    'collections.promises.v1.PromiseMade',
    'collections.promises.v1.PromiseBroken',
    'collections.promises.v1.PromiseKept',
    'collections.promises.v1.PromiseKeptWithdrawn',
    'collections.promises.v1.PromiseCancelled',
    'collections.promises.v1.PlanAgreed',
    'collections.promises.v1.InstalmentDueSoon',
    'collections.promises.v1.InstalmentMissed',
    'collections.promises.v1.PlanCompleted',
    'collections.promises.v1.PlanReopened',
    'collections.promises.v1.PlanDefaulted',
    'collections.promises.v1.PlanCancelled',
    'collections.promises.v1.SettlementAgreed',
    'collections.promises.v1.SettlementPaid',
    'collections.promises.v1.SettlementLapsed',
    'collections.promises.v1.SettlementWithdrawn',
    'collections.promises.v1.OfferApprovalRequested',
    'collections.promises.v1.OfferApprovalExpired',
    'collections.promises.v1.OfferApprovalDecided',
    'collections.promises.v1.SettlementReviewNeeded',
  ],
  // Its two consumers (services/promises/src/promises.service.ts): payments and facts, relapse risk.
  promises: [
    'collections.ledger.v1.PaymentPosted',
    'collections.ledger.v1.PaymentReversed',
    'collections.ledger.v1.AccountOpened',
    'collections.ledger.v1.AccountSettled',
    'collections.ledger.v1.AccountClosed',
    'collections.ledger.v1.AccountReopened',
    'collections.ledger.v1.DebtorUpserted',
    'collections.scoring.v1.AccountScored',
    'collections.orchestrator.v1.PaymentIntentExpressed',
    'collections.orchestrator.v1.CallOutcomeRecorded',
    'collections.promises.v1.PlanCompleted',
    'collections.promises.v1.PlanReopened',
  ],
  // reportingHandlers (services/reporting/src/kpis/project-kpi-facts.consumer.ts, PROJECTED).
  reporting: [
    'collections.ledger.v1.AccountOpened',
    'collections.scoring.v1.AccountScored',
    'collections.scoring.v1.SegmentChanged',
    'collections.ledger.v1.BalanceChanged',
    'collections.ledger.v1.DelinquencyChanged',
    'collections.ledger.v1.PaymentPosted',
    'collections.ledger.v1.PaymentReversed',
    'collections.ledger.v1.StatementIssued',
    'collections.orchestrator.v1.ContactDecision',
    'collections.orchestrator.v1.ContactSent',
    'collections.orchestrator.v1.CallOutcomeRecorded',
    'collections.promises.v1.PromiseKept',
    'collections.promises.v1.PromiseKeptWithdrawn',
    'collections.promises.v1.PromiseBroken',
    'collections.promises.v1.OfferApprovalExpired',
    'collections.promises.v1.OfferApprovalRequested',
    'collections.promises.v1.OfferApprovalDecided',
    'collections.ledger.v1.ConsentChanged',
    'collections.orchestrator.v1.OptOutRecorded',
    'collections.ledger.v1.AccountChargedOff',
    'collections.ledger.v1.AccountSettled',
    'collections.ledger.v1.AccountClosed',
    'collections.ledger.v1.AccountReopened',
    'collections.promises.v1.PlanAgreed',
    'collections.promises.v1.InstalmentDueSoon',
    'collections.promises.v1.InstalmentMissed',
    'collections.promises.v1.PlanCompleted',
    'collections.promises.v1.PlanReopened',
    'collections.promises.v1.PlanDefaulted',
    'collections.promises.v1.PlanCancelled',
    'collections.promises.v1.SettlementAgreed',
    'collections.promises.v1.SettlementPaid',
    'collections.promises.v1.SettlementPaymentApplied',
    'collections.promises.v1.SettlementLapsed',
    'collections.promises.v1.SettlementWithdrawn',
  ],
};

function loadContracts() {
  const dist = join(root, 'libs/contracts/dist/index.js');
  if (!existsSync(dist)) {
    console.error(`asyncapi: ${relative(root, dist)} is missing — run npm run setup first`);
    process.exit(1);
  }
  return require(dist);
}

function protoFiles(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) protoFiles(p, out);
    else if (name.endsWith('.proto')) out.push(p);
  }
  return out;
}

function loadProtos(protoRoot) {
  const pbRoot = new protobuf.Root();
  // Imports are relative to proto/; google/protobuf/* come bundled with protobufjs.
  pbRoot.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : resolve(protoRoot, target);
  pbRoot.loadSync(protoFiles(join(protoRoot, 'collections')), { keepCase: true, alternateCommentMode: true });
  pbRoot.resolveAll();
  return pbRoot;
}

const fullName = (t) => t.fullName.replace(/^\./, '');
const comment = (t) => (t.comment ? { description: t.comment.replace(/\s+/g, ' ').trim() } : {});

const SCALARS = {
  double: { type: 'number', format: 'double' },
  float: { type: 'number', format: 'float' },
  int32: { type: 'integer', format: 'int32' },
  sint32: { type: 'integer', format: 'int32' },
  sfixed32: { type: 'integer', format: 'int32' },
  uint32: { type: 'integer', format: 'int32', minimum: 0 },
  fixed32: { type: 'integer', format: 'int32', minimum: 0 },
  int64: { type: 'integer', format: 'int64' },
  sint64: { type: 'integer', format: 'int64' },
  sfixed64: { type: 'integer', format: 'int64' },
  uint64: { type: 'integer', format: 'int64', minimum: 0 },
  fixed64: { type: 'integer', format: 'int64', minimum: 0 },
  bool: { type: 'boolean' },
  string: { type: 'string' },
  bytes: { type: 'string', contentEncoding: 'base64' },
};

const WELL_KNOWN = {
  'google.protobuf.Timestamp': { type: 'string', format: 'date-time' },
};

/** JSON Schemas for a message and every message/enum it references, keyed by full proto name. */
function collectSchemas(type, schemas) {
  const name = fullName(type);
  if (schemas[name]) return;
  if (type instanceof protobuf.Enum) {
    schemas[name] = { type: 'string', ...comment(type), enum: Object.keys(type.values) };
    return;
  }
  const schema = { type: 'object', ...comment(type), properties: {} };
  schemas[name] = schema;
  for (const field of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
    let item;
    if (SCALARS[field.type]) item = { ...SCALARS[field.type] };
    else {
      const ref = field.resolvedType;
      const refName = fullName(ref);
      if (refName.startsWith('google.protobuf.')) {
        if (!WELL_KNOWN[refName])
          throw new Error(`asyncapi: no JSON Schema mapping for ${refName} (${name}.${field.name})`);
        item = { ...WELL_KNOWN[refName] };
      } else {
        collectSchemas(ref, schemas);
        item = { $ref: `#/components/schemas/${refName}` };
      }
    }
    let prop = field.map
      ? { type: 'object', additionalProperties: item }
      : field.repeated
        ? { type: 'array', items: item }
        : item;
    if (field.comment) prop = prop.$ref ? { allOf: [prop], ...comment(field) } : { ...prop, ...comment(field) };
    schema.properties[field.name] = prop;
  }
}

const CLOUD_EVENT_HEADERS = {
  type: 'object',
  description: 'CloudEvents 1.0 Kafka protocol binding, binary mode: attributes are ce_* record headers.',
  required: ['ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_specversion', 'content-type', 'ce_tenantid'],
  properties: {
    ce_id: { type: 'string', description: 'Unique event id (UUID); consumers deduplicate on it.' },
    ce_type: { type: 'string', description: 'Fully qualified protobuf message name of the payload.' },
    ce_source: { type: 'string', description: 'Publishing service, e.g. /collections/ledger.' },
    ce_time: { type: 'string', format: 'date-time', description: 'When the event happened (RFC 3339).' },
    ce_subject: { type: 'string', description: 'The account id the event is about.' },
    ce_specversion: { type: 'string', const: '1.0' },
    'content-type': { type: 'string', const: 'application/protobuf' },
    ce_tenantid: { type: 'string', description: 'CloudEvents extension: the tenant that owns the account.' },
    traceparent: { type: 'string', description: 'W3C trace context of the publishing span.' },
  },
};

const DEAD_LETTER_HEADERS = {
  description: 'The original record headers plus why and where the record failed.',
  allOf: [
    { $ref: '#/components/schemas/CloudEventHeaders' },
    {
      type: 'object',
      required: [
        'dlq_reason',
        'dlq_error',
        'dlq_consumer',
        'dlq_original_topic',
        'dlq_original_partition',
        'dlq_original_offset',
        'dlq_attempts',
      ],
      properties: {
        dlq_reason: {
          type: 'string',
          description:
            'handler-failed (retries exhausted) or a poison reason: unknown-event-type, undecodable-payload, missing-tenant, missing-envelope.',
        },
        dlq_error: { type: 'string', description: 'Error message, at most 1000 characters.' },
        dlq_consumer: { type: 'string', description: 'Name of the consumer that gave up.' },
        dlq_original_topic: { type: 'string' },
        dlq_original_partition: { type: 'string', pattern: '^[0-9]+$' },
        dlq_original_offset: { type: 'string', pattern: '^[0-9]+$' },
        dlq_attempts: { type: 'string', pattern: '^[0-9]+$' },
      },
    },
  ],
};

const KAFKA_KEY = { kafka: { key: { type: 'string', description: 'The account id.' }, bindingVersion: '0.5.0' } };

const shortName = (ceType) => ceType.split('.').pop();
const camel = (s) => s.replace(/[.\-_]+(.)/g, (_, c) => c.toUpperCase());
const publisherOf = (ceType) => /^collections\.([a-z]+)\.v\d+\./.exec(ceType)?.[1];

function build() {
  const { EVENTS, PROTO_ROOT, deadLetterTopic } = loadContracts();
  const pbRoot = loadProtos(PROTO_ROOT);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const types = Object.keys(EVENTS).sort();

  for (const [service, consumed] of Object.entries(CONSUMERS)) {
    for (const t of consumed)
      if (!EVENTS[t]) throw new Error(`asyncapi: CONSUMERS.${service} names unknown event type ${t}`);
  }

  const schemas = {};
  const messages = {};
  const channels = {};
  const operations = {};
  const channelRef = (id) => ({ $ref: `#/channels/${id}` });
  const messageRef = (channelId, msgId) => ({ $ref: `#/channels/${channelId}/messages/${msgId}` });

  for (const ceType of types) {
    const { topic, summary } = EVENTS[ceType];
    collectSchemas(pbRoot.lookupType(ceType), schemas);
    const msgId = shortName(ceType);
    messages[msgId] = {
      name: ceType,
      title: msgId,
      summary,
      contentType: 'application/protobuf',
      description: `Record value: the protobuf message ${ceType}, binary-encoded. The schema mirrors its fields.`,
      headers: { $ref: '#/components/schemas/CloudEventHeaders' },
      payload: { $ref: `#/components/schemas/${ceType}` },
      bindings: KAFKA_KEY,
    };
    const channelId = camel(topic);
    // A topic can carry several event types (all of one entity, keyed by account).
    channels[channelId] ??= { address: topic, title: topic, description: `Events on ${topic}.`, messages: {} };
    channels[channelId].messages[msgId] = { $ref: `#/components/messages/${msgId}` };
    const publisher = publisherOf(ceType);
    if (!publisher) throw new Error(`asyncapi: cannot tell the publisher of ${ceType}`);
    operations[`${publisher}Send${msgId}`] = {
      action: 'send',
      channel: channelRef(channelId),
      summary: `${publisher} publishes ${msgId}.`,
      tags: [{ name: publisher }],
      messages: [messageRef(channelId, msgId)],
    };
    for (const service of Object.keys(CONSUMERS).sort()) {
      if (!CONSUMERS[service].includes(ceType)) continue;
      operations[`${service}Receive${msgId}`] = {
        action: 'receive',
        channel: channelRef(channelId),
        summary: `${service} consumes ${msgId}.`,
        tags: [{ name: service }],
        messages: [messageRef(channelId, msgId)],
      };
    }
  }

  // One dead-letter topic per consuming service; its records keep the original payload.
  for (const service of Object.keys(CONSUMERS).sort()) {
    const topic = deadLetterTopic(service);
    const channelId = camel(topic);
    const dlMessages = {};
    for (const ceType of [...CONSUMERS[service]].sort((a, b) => shortName(a).localeCompare(shortName(b)))) {
      const msgId = `${camel(service)}DeadLetter${shortName(ceType)}`;
      messages[msgId] = {
        name: ceType,
        title: `Dead-lettered ${shortName(ceType)}`,
        summary: `${service} could not process this ${shortName(ceType)} record.`,
        contentType: 'application/protobuf',
        headers: { $ref: '#/components/schemas/DeadLetterHeaders' },
        payload: { $ref: `#/components/schemas/${ceType}` },
        bindings: KAFKA_KEY,
      };
      dlMessages[msgId] = { $ref: `#/components/messages/${msgId}` };
    }
    channels[channelId] = {
      address: topic,
      title: topic,
      description: `Dead letters of ${service}: the original record (key, headers, payload) plus dlq_* headers.`,
      messages: dlMessages,
    };
    operations[`${service}SendDeadLetter`] = {
      action: 'send',
      channel: channelRef(channelId),
      summary: `${service} dead-letters records it cannot process.`,
      tags: [{ name: service }],
      messages: Object.keys(dlMessages).map((id) => messageRef(channelId, id)),
    };
  }

  const sorted = (obj) =>
    Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, obj[k]]),
    );
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Collections platform events',
      version: pkg.version,
      description:
        'Kafka topics of the collections platform. Payloads are protobuf (see proto/); attributes travel as CloudEvents binary-mode headers; the record key is the account id.',
      license: { name: pkg.license, url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/protobuf',
    servers: {
      local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'Local broker (deploy/local/kafka).' },
      compose: {
        host: 'kafka:9092',
        protocol: 'kafka',
        description: 'Broker inside docker compose (host: 127.0.0.1:9094).',
      },
    },
    channels: sorted(channels),
    operations: sorted(operations),
    components: {
      schemas: sorted({ ...schemas, CloudEventHeaders: CLOUD_EVENT_HEADERS, DeadLetterHeaders: DEAD_LETTER_HEADERS }),
      messages: sorted(messages),
    },
  };
}

function render(doc) {
  const header = '# GENERATED by scripts/asyncapi.mjs from proto/ and libs/contracts EVENTS. Do not edit.\n';
  return header + YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

async function validate(text) {
  const { Parser } = require('@asyncapi/parser');
  const { diagnostics } = await new Parser().parse(text, { source: OUT });
  const errors = diagnostics.filter((d) => d.severity === 0);
  for (const d of errors) console.error(`${REL_OUT}: error ${d.code} at ${d.path.join('.')}: ${d.message}`);
  return errors.length === 0;
}

const check = process.argv.includes('--check');
const text = render(build());
if (check) {
  const committed = existsSync(OUT) ? readFileSync(OUT, 'utf8') : null;
  if (committed !== text) {
    console.error(`${REL_OUT} is out of date with proto/ — run node scripts/asyncapi.mjs`);
    process.exit(1);
  }
}
if (!(await validate(text))) {
  console.error(`${REL_OUT}: invalid AsyncAPI document`);
  process.exit(1);
}
if (!check) writeFileSync(OUT, text);
console.log(check ? `${REL_OUT} is up to date and valid` : `wrote ${REL_OUT}`);
