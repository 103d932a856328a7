// The orchestrator's REST routes, for scripts/openapi.mjs (see there for what a route entry says).
// services/orchestrator/test/openapi.medium.spec.ts holds this table to the routes Nest serves.

const PKG = 'collections.orchestrator.v1';
const AGENT = { name: 'agentId', field: 'agentId', what: 'the agent id (yours)' };
const TASK = { name: 'taskId', field: 'taskId', what: 'the task id' };
const COUNTRY = {
  name: 'country',
  what: 'ISO 3166-1 alpha-2 code of the debtors’ country (BR, MX, …), or `default` for the tenant’s default profile',
};
const TENANT = { name: 'tenant', what: 'the tenant the provider account belongs to (set in the webhook URL)' };
const strings = (description) => ({ type: 'array', items: { type: 'string' }, description });
const TASK_KINDS = ['call', 'review_reply', 'negotiate'];
const OUTCOMES = ['right_party_contact', 'no_answer', 'wrong_party', 'promise', 'refusal', 'dispute'];
const XML_ACK = {
  description: 'An empty TwiML answer.',
  contentType: 'text/xml',
  schema: { type: 'string' },
};
const OPT_OUT_TOKEN = {
  name: 'token',
  what: 'the signed token of the e-mail’s opt-out link (tenant, address hash, channel, delivery; OPT_OUT_LINK_SECRET)',
};
const OPT_OUT_PAGE = { description: 'A plain HTML page.', contentType: 'text/html', schema: { type: 'string' } };
const OPT_OUT_NOTES =
  'Public: the debtor clicks it. An altered token answers 400 and a token naming nothing this service sent 404 (an HTML page without detail); more than OPT_OUT_PER_CLIENT_PER_MINUTE requests a minute from one client, or OPT_OUT_PER_TOKEN_PER_MINUTE for one link, 429 with Retry-After.';
const SIGNED =
  'Public: providers carry no API key, so every request must carry the provider’s valid signature over the exact bytes sent, or nothing is recorded and it answers 403; a channel not configured answers 404.';

export const ROUTES = [
  // Creditor profiles: who the tenant's messages name as the creditor (BR art. 42-A, MX CONDUSEF)
  {
    method: 'put',
    path: '/v1/orchestrator/creditor-profiles/{country}',
    rpc: 'CreditorProfileService.PutCreditorProfile',
    tag: 'creditor-profiles',
    params: [COUNTRY],
    body: 'CreditorProfile',
    responseForm: 'toJSON',
    status: 200,
    errors: [400],
    notes:
      'The body is a CreditorProfile in its JSON form (tax id kinds by name, e.g. TAX_ID_KIND_CNPJ); its country is the path’s. A CNPJ or CPF with wrong check digits, a malformed RFC, or a kind the country does not use answers 400 with details.field naming the field, and nothing is stored.',
  },
  {
    method: 'get',
    path: '/v1/orchestrator/creditor-profiles/{country}',
    rpc: 'CreditorProfileService.GetCreditorProfile',
    tag: 'creditor-profiles',
    params: [{ ...COUNTRY, field: 'country' }],
    responseForm: 'toJSON',
    status: 200,
    errors: [404],
  },
  {
    method: 'get',
    path: '/v1/orchestrator/creditor-profiles',
    rpc: 'CreditorProfileService.ListCreditorProfiles',
    tag: 'creditor-profiles',
    responseForm: 'toJSON',
    status: 200,
    errors: [],
  },
  // Agent work queues
  {
    method: 'put',
    path: '/v1/orchestrator/agents/{agentId}',
    rpc: 'AgentQueueService.PutAgent',
    tag: 'agents',
    params: [AGENT],
    bodySchema: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        skills: { type: 'array', items: { type: 'string', enum: TASK_KINDS }, description: 'Task kinds handled.' },
        languages: strings('BCP 47 language codes; empty = any.'),
        segments: strings('Scoring segments; empty = any.'),
        queues: strings('Queues; empty = any.'),
        capacity: { type: 'integer', minimum: 1, description: 'Tasks the agent may hold at once.' },
        active: { type: 'boolean', description: 'Default true.' },
      },
      required: ['capacity'],
    },
    responseType: 'Agent',
    responseForm: 'toJSON',
    status: 200,
    errors: [400],
    notes: 'Skills in the domain’s words (`call`, `review_reply`, `negotiate`).',
  },
  {
    method: 'get',
    path: '/v1/orchestrator/agents/{agentId}',
    rpc: 'AgentQueueService.GetAgent',
    tag: 'agents',
    params: [AGENT],
    responseType: 'Agent',
    responseForm: 'toJSON',
    status: 200,
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/orchestrator/agents/{agentId}/claims',
    rpc: 'AgentQueueService.ClaimAgentTask',
    tag: 'agents',
    params: [AGENT],
    bodySchema: {
      type: 'object',
      properties: { taskId: { type: 'string', description: 'A named open task; the next that fits when absent.' } },
    },
    optionalBody: true,
    responseForm: 'toJSON',
    status: 200,
    errors: [400, 404, 422],
  },
  {
    method: 'get',
    path: '/v1/orchestrator/agent-tasks',
    rpc: 'AgentQueueService.ListAgentTasks',
    tag: 'agents',
    query: [
      {
        name: 'state',
        field: 'state',
        schema: { type: 'string', enum: ['open', 'claimed', 'completed'] },
        description: 'Default open.',
      },
      { name: 'queue', field: 'queue', schema: { type: 'string' }, description: 'Only this queue.' },
      { name: 'agentId', field: 'agentId', schema: { type: 'string' }, description: "Only this agent's." },
      { name: 'limit', field: 'limit', schema: { type: 'integer', minimum: 1 }, description: 'At most this many.' },
    ],
    responseForm: 'toJSON',
    status: 200,
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/orchestrator/agent-tasks/{taskId}',
    rpc: 'AgentQueueService.GetAgentTask',
    tag: 'agents',
    params: [TASK],
    responseType: 'AgentTask',
    responseForm: 'toJSON',
    status: 200,
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/orchestrator/agent-tasks/{taskId}/complete',
    rpc: 'AgentQueueService.CompleteAgentTask',
    tag: 'agents',
    params: [TASK],
    bodySchema: {
      type: 'object',
      properties: {
        agentId: { type: 'string', description: 'The agent holding the task.' },
        outcome: { type: 'string', enum: OUTCOMES, description: 'The call outcome, if any.' },
        promisedAmount: {
          type: 'object',
          description: 'For a promise: the amount in minor units.',
          properties: { amountMinor: { type: 'integer' }, currency: { type: 'string' } },
        },
        promisedDate: { type: 'string', format: 'date' },
      },
      required: ['agentId'],
    },
    responseType: 'AgentTask',
    responseForm: 'toJSON',
    status: 200,
    errors: [400, 404, 422],
  },
  {
    method: 'post',
    path: '/v1/orchestrator/agent-tasks/{taskId}/release',
    rpc: 'AgentQueueService.ReleaseAgentTask',
    tag: 'agents',
    params: [TASK],
    bodySchema: {
      type: 'object',
      properties: { agentId: { type: 'string', description: 'The agent holding the task.' } },
      required: ['agentId'],
    },
    responseType: 'AgentTask',
    responseForm: 'toJSON',
    status: 200,
    errors: [400, 404, 422],
  },
  // Strategies
  {
    method: 'put',
    path: '/v1/orchestrator/strategies/{id}',
    rpc: 'OrchestratorService.PutStrategy',
    tag: 'strategies',
    id: { field: 'strategyId', what: 'the strategy id' },
    bodySchema: {
      type: 'object',
      description:
        'The strategy document itself (services/orchestrator/schemas/strategy.schema.json); YAML goes over gRPC.',
    },
    status: 200,
    errors: [400],
    notes: 'Each PUT stores a new version; the latest is active.',
  },
  {
    method: 'get',
    path: '/v1/orchestrator/strategies/{id}',
    rpc: 'OrchestratorService.GetStrategy',
    operationId: 'getActiveStrategy',
    tag: 'strategies',
    id: { field: 'strategyId', what: 'the strategy id' },
    status: 200,
    errors: [404],
    notes: 'The active (latest) version.',
  },
  {
    method: 'get',
    path: '/v1/orchestrator/strategies/{id}/arms',
    rpc: 'OrchestratorService.GetStrategyArms',
    tag: 'strategies',
    id: { field: 'strategyId', what: 'the strategy id' },
    status: 200,
    errors: [404],
    notes: "The champion/challenger split as it ran: per arm, accounts and contacts sent, and each account's arm.",
  },
  {
    method: 'get',
    path: '/v1/orchestrator/strategies/{id}/versions',
    rpc: 'OrchestratorService.ListStrategyVersions',
    tag: 'strategies',
    id: { field: 'strategyId', what: 'the strategy id' },
    status: 200,
    errors: [404],
    notes: 'A strategy the tenant never put answers 404, like GET of the strategy.',
  },
  {
    method: 'get',
    path: '/v1/orchestrator/strategies/{id}/versions/{version}',
    rpc: 'OrchestratorService.GetStrategy',
    tag: 'strategies',
    params: [
      { name: 'id', field: 'strategyId', what: 'the strategy id' },
      { name: 'version', field: 'version', what: 'the version number (1, 2, ...)' },
    ],
    status: 200,
    errors: [400, 404],
  },
  // A lender's stricter contact rules
  {
    method: 'put',
    path: '/v1/orchestrator/contact-rules/{jurisdiction}/override',
    rpc: 'OrchestratorService.PutContactRulesOverride',
    tag: 'contact-rules',
    params: [{ name: 'jurisdiction', field: 'jurisdiction', what: 'the jurisdiction (US, CO, MX, CL, PE, BR, EC)' }],
    bodySchema: {
      type: 'object',
      description:
        "The override document itself: rules of the jurisdiction's pack patched by id (contactHours, publicHolidays, frequencyCaps, minimumSpacing, channelMix, quietPeriods), consent, holds, coPartyHolds, auditRetentionDays, enforcement (limitation periods), and new rules under add.",
    },
    status: 200,
    errors: [400],
    notes:
      'Each PUT stores a new version, in force for the next decision (on other replicas within 5 s). An override that would loosen the law answers 400 naming every offending path, and nothing is stored.',
  },
  {
    method: 'get',
    path: '/v1/orchestrator/contact-rules/{jurisdiction}',
    rpc: 'OrchestratorService.GetContactRules',
    tag: 'contact-rules',
    params: [{ name: 'jurisdiction', field: 'jurisdiction', what: 'the jurisdiction (US, CO, MX, CL, PE, BR, EC)' }],
    status: 200,
    errors: [400],
    notes: "The effective pack (the base pack with the tenant's latest override) and its versions.",
  },
  // Provider webhooks (public, signed)
  {
    method: 'post',
    path: '/webhooks/{tenant}/sms',
    operationId: 'smsWebhook',
    summary: 'Twilio SMS delivery receipts and inbound messages',
    tag: 'webhooks',
    public: true,
    params: [TENANT],
    headers: [{ name: 'x-twilio-signature', required: true, description: 'Twilio’s request signature.' }],
    bodySchema: {
      content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } },
    },
    response: XML_ACK,
    status: 200,
    errors: [403, 404],
    notes: SIGNED,
  },
  {
    method: 'post',
    path: '/webhooks/{tenant}/call',
    operationId: 'callWebhook',
    summary: 'Twilio voice call progress callbacks and the voice bot’s gathered answers',
    tag: 'webhooks',
    public: true,
    params: [TENANT],
    headers: [{ name: 'x-twilio-signature', required: true, description: 'Twilio’s request signature.' }],
    bodySchema: {
      content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } },
    },
    response: XML_ACK,
    status: 200,
    errors: [403, 404],
    notes: SIGNED,
  },
  {
    method: 'get',
    path: '/webhooks/{tenant}/whatsapp',
    operationId: 'whatsappWebhookHandshake',
    summary: 'The WhatsApp Cloud API subscription handshake',
    tag: 'webhooks',
    public: true,
    params: [TENANT],
    query: [
      { name: 'hub.mode', schema: { type: 'string' }, description: '`subscribe`.' },
      { name: 'hub.verify_token', schema: { type: 'string' }, description: 'The configured verify token.' },
      { name: 'hub.challenge', schema: { type: 'string' }, description: 'Echoed back when the token matches.' },
    ],
    response: { description: 'The challenge.', contentType: 'text/plain', schema: { type: 'string' } },
    status: 200,
    errors: [403],
    notes: 'Public: answers the challenge only when the verify token matches the configured one, else 403.',
  },
  {
    method: 'post',
    path: '/webhooks/{tenant}/whatsapp',
    operationId: 'whatsappWebhook',
    summary: 'WhatsApp Cloud API status updates and inbound messages',
    tag: 'webhooks',
    public: true,
    params: [TENANT],
    headers: [
      { name: 'x-hub-signature-256', required: true, description: '`sha256=<hex HMAC of the body>` (app secret).' },
    ],
    bodySchema: { content: { 'application/json': { schema: { type: 'object' } } } },
    response: {
      description: 'Recorded.',
      schema: { type: 'object', properties: { ok: { type: 'boolean', const: true } }, required: ['ok'] },
    },
    status: 200,
    errors: [403, 404],
    notes: SIGNED,
  },
  // E-mails' opt-out links (public: the token is the credential)
  {
    method: 'get',
    path: '/opt-out/{token}',
    operationId: 'optOutPage',
    summary: 'The confirmation page of an e-mail’s opt-out link',
    tag: 'opt-out',
    public: true,
    params: [OPT_OUT_TOKEN],
    response: OPT_OUT_PAGE,
    status: 200,
    errors: [],
    notes: `A page with one button, which POSTs to the same link; records nothing (mail scanners open links). ${OPT_OUT_NOTES}`,
  },
  {
    method: 'post',
    path: '/opt-out/{token}',
    operationId: 'optOut',
    summary: 'Opts the link’s address out of e-mail (RFC 8058 one-click, or the page’s button)',
    tag: 'opt-out',
    public: true,
    params: [OPT_OUT_TOKEN],
    bodySchema: {
      content: {
        'application/x-www-form-urlencoded': {
          schema: { type: 'object', properties: { 'List-Unsubscribe': { type: 'string', const: 'One-Click' } } },
        },
      },
    },
    optionalBody: true,
    response: OPT_OUT_PAGE,
    status: 200,
    errors: [],
    notes: `Records the opt-out of the link's tenant, address and channel as a STOP reply does (the debtors at that address opted out of e-mail, their pending e-mails cancelled, OptOutRecorded); idempotent: 200 again for an address already opted out. ${OPT_OUT_NOTES}`,
  },
];

const TAGS = [
  { name: 'agents', description: 'The human agents’ work queues: claim, complete, release.' },
  { name: 'strategies', description: 'Versioned contact strategies per tenant.' },
  { name: 'contact-rules', description: "A tenant's stricter overrides of the contact-law packs, versioned." },
  {
    name: 'creditor-profiles',
    description: 'Who the tenant’s messages name as the creditor and collector (Brazil art. 42-A, Mexico CONDUSEF).',
  },
  { name: 'webhooks', description: 'Channel providers’ delivery receipts and inbound messages (public, signed).' },
  { name: 'opt-out', description: 'The opt-out link in every e-mail (public: its signed token is the credential).' },
  { name: 'meta', description: 'This document.' },
];

const DESCRIPTION = `REST twin of the orchestrator's gRPC API (\`${PKG}.AgentQueueService\`, \`OrchestratorService\`'s strategies and contact rules, \`CreditorProfileService\`), plus the channel providers' webhooks and the e-mails' opt-out links.

**Agent queues** speak the domain's words: skills and outcomes as \`call\`, \`review_reply\`, \`promise\`...; responses are the proto messages in canonical proto3 JSON (enums by name, default values omitted).

**Strategies**: PUT takes the JSON strategy document as the body; the answers are the proto messages in JSON (every scalar field, enums by number).

**Webhooks** are public: they authenticate by the provider's signature, never by an API key.

**Errors** answer \`{"code", "message", "details"?}\`; the HTTP status follows from \`code\` (libs/platform/src/errors.ts).

**Tenancy**: every call acts in the tenant of its credentials (API key or the \`tenant\` claim of a bearer token); a webhook, in the tenant its URL names.`;

export default {
  service: 'orchestrator',
  out: 'services/orchestrator/openapi.yaml',
  protoFiles: [
    'collections/orchestrator/v1/agents.proto',
    'collections/orchestrator/v1/orchestrator.proto',
    'collections/orchestrator/v1/creditors.proto',
  ],
  pkg: PKG,
  title: 'Collections orchestrator REST API',
  description: DESCRIPTION,
  servers: [
    { url: 'http://localhost:3000', description: 'Embedded platform (npm start)' },
    { url: 'http://localhost:3003', description: 'Orchestrator alone (npm run start:distributed)' },
  ],
  tags: TAGS,
  documentPath: '/v1/orchestrator/openapi.json',
  errorNotes: {
    404: 'The resource in the path does not exist in your tenant (or the channel is not configured).',
    422: 'The state forbids it: the agent is at capacity, the task does not fit it or is not held by it.',
  },
  routes: ROUTES,
};
