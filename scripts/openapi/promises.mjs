// The promises service's REST routes, for scripts/openapi.mjs (see there for what a route entry says).
// services/promises/test/openapi.medium.spec.ts holds this table to the routes Nest serves.

const PKG = 'collections.promises.v1';
const ID = (field, what) => ({ field, what });
const TOKEN = {
  name: 'x-payment-link-token',
  required: true,
  description:
    "The payment link's token (the last path segment of the link), in a header so it stays out of URLs and their logs.",
};

export const ROUTES = [
  {
    method: 'post',
    path: '/v1/promises/plans',
    rpc: 'PromisesService.CreatePlan',
    tag: 'plans',
    status: [201, 202],
    errors: [400, 403, 404, 409, 422],
    notes:
      "201 with the plan, or 202 with `approval` when an agent's plan is beyond the agent's limits but within the supervisor's (held for approval; nothing else is written). A retry with the same idempotency key answers the first answer.",
  },
  {
    method: 'get',
    path: '/v1/promises/plans/{id}',
    rpc: 'PromisesService.GetPlan',
    tag: 'plans',
    id: ID('planId', 'the plan id'),
    status: 200,
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/promises/plans/{id}/cancel',
    rpc: 'PromisesService.CancelPlan',
    tag: 'plans',
    id: ID('planId', 'the plan id'),
    status: 200,
    errors: [400, 403, 404, 422],
    notes:
      'Only an active plan can be cancelled (422 for a completed, defaulted or already cancelled one); a retry with the same idempotency key answers the cancelled plan again. Announced once as PlanCancelled.',
  },
  {
    method: 'get',
    path: '/v1/promises/plans',
    rpc: 'PromisesService.ListPlans',
    tag: 'plans',
    query: [{ name: 'accountId', field: 'accountId', schema: { type: 'string' }, description: 'The account.' }],
    status: 200,
    errors: [400],
  },
  {
    method: 'post',
    path: '/v1/promises/daily-run',
    rpc: 'PromisesService.RunDaily',
    tag: 'plans',
    status: 200,
    errors: [400],
    optionalBody: true,
    notes: "Empty body: each account's today in its time zone.",
  },
  {
    method: 'post',
    path: '/v1/promises/settlements',
    rpc: 'PromisesService.CreateSettlement',
    tag: 'settlements',
    status: [201, 202],
    errors: [400, 403, 404, 409, 422],
    notes: '201 with the settlement, or 202 with `approval` when it is held for a supervisor.',
  },
  {
    method: 'get',
    path: '/v1/promises/settlements/{id}',
    rpc: 'PromisesService.GetSettlement',
    tag: 'settlements',
    id: ID('settlementId', 'the settlement id'),
    status: 200,
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/promises/settlements/{id}/withdraw',
    rpc: 'PromisesService.WithdrawSettlement',
    tag: 'settlements',
    id: ID('settlementId', 'the settlement id'),
    status: 200,
    errors: [400, 403, 404, 422],
    notes:
      'A supervisor or the administrator takes back an offer the creditor recalls. Only an open settlement can be withdrawn (422 for a paid, lapsed or already withdrawn one); a retry with the same idempotency key answers the withdrawn settlement again. Announced once as SettlementWithdrawn (without the reason).',
  },
  {
    method: 'post',
    path: '/v1/promises/promises/{id}/cancel',
    rpc: 'PromisesService.CancelPromise',
    tag: 'promises',
    id: ID('promiseId', 'the promise id'),
    status: 200,
    errors: [400, 403, 404, 422],
    notes:
      'Ends a single promise taken by mistake or retracted. Only an open promise can be cancelled (422 for a kept, broken or already cancelled one); a retry with the same idempotency key answers the cancelled promise again. Announced once as PromiseCancelled (without the reason).',
  },
  {
    method: 'get',
    path: '/v1/promises/accounts/{id}/offers',
    rpc: 'PromisesService.GetOffers',
    tag: 'offers',
    id: ID('accountId', 'the account id'),
    query: [
      { name: 'takenBy', field: 'takenBy', schema: { type: 'string' }, description: 'The role offering (TakenBy).' },
      { name: 'frequency', field: 'frequency', schema: { type: 'string' }, description: 'Plan frequency.' },
      {
        name: 'firstDate',
        field: 'firstDate',
        schema: { type: 'string', format: 'date' },
        description: 'First due date of the plans offered.',
      },
    ],
    status: 200,
    errors: [400, 403, 404],
  },
  {
    method: 'get',
    path: '/v1/promises/negotiation-policy',
    rpc: 'PromisesService.GetNegotiationPolicy',
    tag: 'offers',
    query: [
      {
        name: 'version',
        field: 'version',
        schema: { type: 'integer', minimum: 0 },
        description: 'An earlier version; the latest when absent.',
      },
    ],
    status: 200,
    errors: [400, 404],
  },
  {
    method: 'put',
    path: '/v1/promises/negotiation-policy',
    rpc: 'PromisesService.SetNegotiationPolicy',
    tag: 'offers',
    status: 200,
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/promises/approvals',
    rpc: 'PromisesService.ListApprovals',
    tag: 'approvals',
    query: [
      { name: 'state', field: 'state', schema: { type: 'string' }, description: 'Only approvals in this state.' },
      { name: 'accountId', field: 'accountId', schema: { type: 'string' }, description: "Only this account's." },
    ],
    status: 200,
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/promises/approvals/{id}',
    rpc: 'PromisesService.GetApproval',
    tag: 'approvals',
    id: ID('approvalId', 'the approval id'),
    status: 200,
    errors: [404],
  },
  {
    method: 'post',
    path: '/v1/promises/approvals/{id}/decision',
    rpc: 'PromisesService.DecideApproval',
    tag: 'approvals',
    id: ID('approvalId', 'the approval id'),
    status: 200,
    errors: [400, 403, 404, 422],
    notes: 'A decision is final; an agent cannot approve their own offer.',
  },
  // The payment-link landing API: public, authenticated by the link's signed token.
  {
    method: 'get',
    path: '/v1/self-service',
    operationId: 'getSelfServiceView',
    summary: "The payment link's account, its balance and the offers self-service may grant",
    tag: 'self-service',
    public: true,
    headers: [TOKEN],
    responseType: 'SelfServiceView',
    status: 200,
    errors: [401, 403, 429],
    notes:
      "Public: no API key; the link's token says which tenant's account it may see. A missing, malformed or expired token answers 401, an altered one (or one signed under another secret) 403. Each client address and each token are rate limited per minute: 429 with `Retry-After`.",
  },
  {
    method: 'post',
    path: '/v1/self-service/accept',
    operationId: 'acceptSelfServiceOffer',
    summary: 'Accepts one of the link’s offers (taken by SELF_SERVICE on the WEB channel)',
    tag: 'self-service',
    public: true,
    headers: [TOKEN],
    body: 'AcceptSelfServiceOfferRequest',
    responseType: 'AcceptSelfServiceOfferResponse',
    status: 201,
    errors: [400, 401, 403, 404, 409, 422, 429],
    notes:
      'Public, authenticated by the token like GET /v1/self-service. 201 with the plan or settlement; the same one on a retry with the same idempotency key.',
  },
];

const TAGS = [
  { name: 'promises', description: 'Single promises to pay (taken over gRPC; cancelled here too).' },
  { name: 'plans', description: 'Payment plans and the daily run that watches them.' },
  { name: 'settlements', description: 'Settlements for a lump sum below the balance.' },
  { name: 'offers', description: 'What may be offered on an account, and the tenant’s negotiation limits.' },
  { name: 'approvals', description: 'Offers held for a supervisor’s decision.' },
  { name: 'self-service', description: 'The payment-link landing API (public, token-authenticated).' },
  { name: 'meta', description: 'This document.' },
];

const DESCRIPTION = `REST twin of the promises service's gRPC API (\`${PKG}.PromisesService\`), plus the payment-link landing API: the same use cases, the same validation, the same answers.

**Bodies** are the proto messages (proto/collections/promises/v1) in JSON: camelCase field names (snake_case is accepted too), absent fields take their proto3 default, enums are sent by name or by number. Responses carry every scalar field (defaults included) and enums **by number**.

**Money** is \`{"amountMinor": 1234, "currency": "USD"}\`: an integer in minor units of an ISO 4217 currency, never a float.

**Errors** answer \`{"code", "message", "details"?}\`; the HTTP status follows from \`code\` (libs/platform/src/errors.ts).

**Tenancy**: every call acts in the tenant of its credentials (API key or the \`tenant\` claim of a bearer token); the self-service routes act in the tenant the payment link was signed for.`;

export default {
  service: 'promises',
  out: 'services/promises/openapi.yaml',
  protoFiles: ['collections/promises/v1/promises.proto'],
  pkg: PKG,
  title: 'Collections promises REST API',
  description: DESCRIPTION,
  servers: [
    { url: 'http://localhost:3000', description: 'Embedded platform (npm start)' },
    { url: 'http://localhost:3004', description: 'Promises alone (npm run start:distributed)' },
  ],
  tags: TAGS,
  documentPath: '/v1/promises/openapi.json',
  errorNotes: {
    403: 'Refused: beyond the negotiation limits (PERMISSION_DENIED), or an altered payment-link token.',
    404: 'The resource in the path (or the account the body names) does not exist in your tenant.',
    409: 'A conflict: the idempotency key was used for a different request.',
    422: 'The request is well-formed but the state forbids it (a decided approval, a closed plan).',
  },
  routes: ROUTES,
};
