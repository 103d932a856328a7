// The ledger's REST routes, for scripts/openapi.mjs (see there for what a route entry says).
// services/ledger/test/openapi.medium.spec.ts holds this table to the routes Nest serves.

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
export const ROUTES = [
  // LedgerService: debtors
  {
    method: 'put',
    path: '/v1/ledger/debtors/{id}',
    rpc: 'LedgerService.UpsertDebtor',
    tag: 'debtors',
    id: ID('debtorId', 'the debtor id (yours)'),
    body: 'Debtor',
    status: 200,
    errors: [400, 422],
    notes:
      'The body is the Debtor itself (not wrapped in UpsertDebtorRequest). Upserting the same debtor again is harmless: `created` says whether it is new. An erased debtor is refused (422 FAILED_PRECONDITION): its personal data is not written again; a new relationship with the person takes a new debtor id.',
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
    errors: [400, 404, 422],
    notes:
      'A consent granted to an erased debtor is refused (422 FAILED_PRECONDITION); a withdrawal on one answers no consented channels and changes nothing (the erasure withdrew them all).',
  },
  {
    method: 'put',
    path: '/v1/ledger/debtors/{id}/contact-preferences',
    rpc: 'LedgerService.SetContactPreferences',
    tag: 'debtors',
    id: ID('debtorId', 'the debtor id'),
    status: 200,
    errors: [400, 404, 422],
    notes:
      'The body is `{"contactPreferences": {"inconvenientTimes": [...]}}` (the id comes from the path); an empty list clears the times on record. An erased debtor is refused (422 FAILED_PRECONDITION).',
  },
  {
    method: 'get',
    path: '/v1/ledger/debtors/{id}/export',
    rpc: 'LedgerService.ExportDebtor',
    tag: 'debtors',
    id: ID('debtorId', 'the debtor id'),
    status: 200,
    errors: [403, 404],
    notes:
      "Everything held on the debtor, national id included: a data-subject request, for the roles compliance and admin (and the tenant's API key).",
  },
  {
    method: 'post',
    path: '/v1/ledger/debtors/{id}/erasure',
    rpc: 'LedgerService.EraseDebtor',
    tag: 'debtors',
    id: ID('debtorId', 'the debtor id'),
    body: { reason: 'Why the data is erased (required: erasures are audited).' },
    status: 201,
    errors: [400, 403, 404],
  },
  // LedgerService: accounts and money
  {
    method: 'post',
    path: '/v1/ledger/accounts',
    rpc: 'LedgerService.OpenAccount',
    tag: 'accounts',
    status: 201,
    errors: [400, 409, 422],
    notes:
      'Opening the same account again (same id, same external reference) answers `created: false`. `creditLimitMinor` is in minor units of `currency` (ISO 4217). An account listing an erased debtor is refused (422 FAILED_PRECONDITION).',
  },
  {
    method: 'get',
    path: '/v1/ledger/accounts',
    rpc: 'LedgerService.FindAccounts',
    tag: 'accounts',
    query: [
      {
        name: 'externalRef',
        field: 'externalRef',
        schema: { type: 'string' },
        description: 'The account reference in your system, as given to OpenAccount: finds at most one account.',
      },
      {
        name: 'debtorId',
        field: 'debtorId',
        schema: { type: 'string' },
        description: 'Every account the debtor is linked to, in any role (paged).',
      },
      {
        name: 'pageSize',
        field: 'pageSize',
        schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
        description: "Accounts per page of a debtor's.",
      },
      {
        name: 'pageToken',
        field: 'pageToken',
        schema: { type: 'string' },
        description: '`nextPageToken` of the previous page.',
      },
    ],
    status: 200,
    errors: [400],
    notes:
      'Exactly one of externalRef and debtorId (400 otherwise). An unknown reference or debtor answers `accounts: []`, not 404. Each account comes with its debtors (ids and roles, no personal data) and its balance total today, as the balance route answers it.',
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
    method: 'get',
    path: '/v1/ledger/accounts/{id}/activity',
    rpc: 'LedgerService.GetAccountActivity',
    tag: 'accounts',
    id: ID('accountId', 'the account id'),
    query: [
      {
        name: 'fromDate',
        field: 'fromDate',
        schema: { type: 'string', format: 'date' },
        description:
          'Calendar date YYYY-MM-DD in the account time zone, not after today: the activity after the end of this day.',
      },
      {
        name: 'from',
        schema: { type: 'string' },
        description:
          'Without fromDate: the account dates to read from, comma-separated in order of preference (ACTIVITY_FROM_LAST_STATEMENT, ACTIVITY_FROM_OPENED_ON); the first the account has is used.',
      },
    ],
    status: 200,
    errors: [400, 404, 409],
    notes:
      'From one snapshot of the books: the balance at the end of the date, every entry effective after it up to today (memos not answered), and the balance today; what a validation notice itemizes. 400 when neither fromDate nor from is given or fromDate is after today; 409 (FAILED_PRECONDITION) when the account has none of the dates `from` names.',
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
    method: 'get',
    path: '/v1/ledger/accounts/{id}/status-changes',
    rpc: 'LedgerLifecycleService.ListAccountStatusChanges',
    tag: 'lifecycle',
    id: ID('accountId', 'the account id'),
    status: 200,
    errors: [404],
    notes: 'Who charged off, settled or closed the account, when and why; oldest first, reasons in clear.',
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

export default {
  service: 'ledger',
  out: 'services/ledger/openapi.yaml',
  protoFiles: ['ledger.proto', 'lifecycle.proto', 'reconciliation.proto'].map((f) => `collections/ledger/v1/${f}`),
  pkg: PKG,
  title: 'Collections ledger REST API',
  description: DESCRIPTION,
  servers: [
    { url: 'http://localhost:3000', description: 'Embedded platform (npm start)' },
    { url: 'http://localhost:3001', description: 'Ledger alone (npm run start:distributed)' },
  ],
  tags: TAGS,
  documentPath: '/v1/ledger/openapi.json',
  routes: ROUTES,
};
