// The reporting service's REST routes, for scripts/openapi.mjs (see there for what a route entry says).
// services/reporting/test/openapi.medium.spec.ts holds this table to the routes Nest serves.

const PKG = 'collections.reporting.v1';
const CSV = (what) => ({
  description: `${what} as CSV (an attachment).`,
  contentType: 'text/csv',
  schema: { type: 'string' },
});

export const ROUTES = [
  {
    method: 'get',
    path: '/v1/reporting/recovery-summary',
    rpc: 'ReportingService.GetRecoverySummary',
    tag: 'kpis',
    status: 200,
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/reporting/kpis',
    rpc: 'ReportingService.GetKpis',
    tag: 'kpis',
    queryFromRequest: true,
    status: 200,
    errors: [400],
    notes: 'Formulas in services/reporting/docs/kpis.md.',
  },
  {
    method: 'get',
    path: '/v1/reporting/kpis.csv',
    operationId: 'getKpisCsv',
    summary: 'The KPI table as CSV, one row per KPI and per roll rate',
    tag: 'kpis',
    queryFromRequest: true,
    rpc: 'ReportingService.GetKpis',
    response: CSV('The KPI table'),
    status: 200,
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/reporting/forecast',
    rpc: 'ReportingService.GetCashForecast',
    tag: 'forecast',
    queryFromRequest: true,
    status: 200,
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/reporting/forecast.csv',
    operationId: 'getCashForecastCsv',
    rpc: 'ReportingService.GetCashForecast',
    tag: 'forecast',
    queryFromRequest: true,
    response: CSV("The forecast's weeks, then the closed weeks' forecast against actual,"),
    status: 200,
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/reporting/experiments',
    rpc: 'ReportingService.GetExperimentResults',
    tag: 'experiments',
    queryFromRequest: true,
    status: 200,
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/reporting/experiments.csv',
    operationId: 'getExperimentResultsCsv',
    rpc: 'ReportingService.GetExperimentResults',
    tag: 'experiments',
    queryFromRequest: true,
    response: CSV('One row per arm, then one per comparison,'),
    status: 200,
    errors: [400],
  },
  {
    method: 'get',
    path: '/v1/reporting/report.html',
    operationId: 'getManagementReport',
    summary: 'The management report: one printable HTML page with inline SVG charts',
    tag: 'report',
    query: [
      { name: 'from', schema: { type: 'string', format: 'date' }, description: 'First day; default 90 days ago.' },
      { name: 'to', schema: { type: 'string', format: 'date' }, description: 'Last day; default today.' },
      { name: 'currency', schema: { type: 'string' }, description: "ISO 4217; default the tenant's only currency." },
    ],
    response: { description: 'The report page.', contentType: 'text/html', schema: { type: 'string' } },
    status: 200,
    errors: [400],
    notes: 'Send the x-api-key header (a browser: through a proxy that adds it).',
  },
];

const TAGS = [
  { name: 'kpis', description: 'What was recovered, and the collections KPIs.' },
  { name: 'forecast', description: 'The 12-week cash forecast and its track record.' },
  { name: 'experiments', description: 'Champion/challenger results.' },
  { name: 'report', description: 'The management report page.' },
  { name: 'meta', description: 'This document.' },
];

const DESCRIPTION = `REST twin of the reporting service's gRPC API (\`${PKG}.ReportingService\`): the same read model, the same answers, plus CSV and HTML renderings.

**Query parameters** are the request's fields, named as in the .proto (snake_case). Responses carry every scalar field (defaults included); a KPI whose denominator is zero comes without a \`value\`.

**Money** is \`{"amountMinor": 1234, "currency": "USD"}\`: an integer in minor units of an ISO 4217 currency, never a float.

**Errors** answer \`{"code", "message", "details"?}\`; the HTTP status follows from \`code\` (libs/platform/src/errors.ts).

**Tenancy**: every call reads the tenant of its credentials (API key or the \`tenant\` claim of a bearer token).`;

export default {
  service: 'reporting',
  out: 'services/reporting/openapi.yaml',
  protoFiles: ['collections/reporting/v1/reporting.proto'],
  pkg: PKG,
  title: 'Collections reporting REST API',
  description: DESCRIPTION,
  servers: [
    { url: 'http://localhost:3000', description: 'Embedded platform (npm start)' },
    { url: 'http://localhost:3005', description: 'Reporting alone (npm run start:distributed)' },
  ],
  tags: TAGS,
  documentPath: '/v1/reporting/openapi.json',
  routes: ROUTES,
};
