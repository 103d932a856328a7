// The scoring service's REST routes, for scripts/openapi.mjs (see there for what a route entry says).
// services/scoring/test/openapi.medium.spec.ts holds this table to the routes Nest serves.

const PKG = 'collections.scoring.v1';

export const ROUTES = [
  {
    method: 'get',
    path: '/v1/scoring/accounts/{id}/score',
    rpc: 'ScoringService.ScoreAccount',
    tag: 'scores',
    id: { field: 'accountId', what: 'the account id' },
    query: [
      {
        name: 'modelVersion',
        field: 'modelVersion',
        schema: { type: 'string' },
        description: 'Score with this model version; the production one when absent.',
      },
    ],
    status: 200,
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/v1/scoring/scores/batch',
    rpc: 'ScoringService.ScoreBatch',
    tag: 'scores',
    status: 200,
    errors: [400],
    notes: '`{"accountIds": [...]}` or `{"rows": [FeatureRow...]}`, answered item by item, in order.',
  },
  {
    method: 'get',
    path: '/v1/scoring/segment-rules',
    rpc: 'ScoringService.GetSegmentRules',
    tag: 'segments',
    status: 200,
    errors: [],
  },
  {
    method: 'put',
    path: '/v1/scoring/segment-rules',
    rpc: 'ScoringService.SetSegmentRules',
    tag: 'segments',
    status: 200,
    errors: [400],
  },
];

const TAGS = [
  { name: 'scores', description: 'Payment probabilities, segments and their reasons.' },
  { name: 'segments', description: 'The tenant’s segment rules.' },
  { name: 'meta', description: 'This document.' },
];

const DESCRIPTION = `REST twin of the scoring service's gRPC API (\`${PKG}.ScoringService\`; TrainModel is gRPC only): the same use cases, the same validation, the same answers.

**Bodies** are the proto messages (proto/collections/scoring/v1) in JSON: camelCase field names, enums by name or number, "NaN"/"Infinity" as proto3 JSON has them. Responses carry every scalar field (defaults included) and enums **by number**.

**Errors** answer \`{"code", "message", "details"?}\`; the HTTP status follows from \`code\` (libs/platform/src/errors.ts).

**Tenancy**: every call acts in the tenant of its credentials (API key or the \`tenant\` claim of a bearer token).`;

export default {
  service: 'scoring',
  out: 'services/scoring/openapi.yaml',
  protoFiles: ['collections/scoring/v1/scoring.proto'],
  pkg: PKG,
  title: 'Collections scoring REST API',
  description: DESCRIPTION,
  servers: [
    { url: 'http://localhost:3000', description: 'Embedded platform (npm start)' },
    { url: 'http://localhost:3002', description: 'Scoring alone (npm run start:distributed)' },
  ],
  tags: TAGS,
  documentPath: '/v1/scoring/openapi.json',
  routes: ROUTES,
};
