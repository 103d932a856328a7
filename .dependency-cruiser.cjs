/** Architecture rules, enforced in CI (`npm run depcheck`). */
module.exports = {
  forbidden: [
    {
      name: 'no-service-imports-another-service',
      comment: "Services talk over Kafka events and gRPC only; never through each other's code.",
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'libs-never-import-services',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^services/' },
    },
    {
      name: 'domain-is-pure',
      comment: 'A service domain/ folder decides; it imports neither Nest nor TypeORM.',
      severity: 'error',
      from: { path: '/domain/' },
      to: { path: ['node_modules/@nestjs/', 'node_modules/typeorm/'] },
    },
    {
      name: 'tools-use-public-apis-only',
      comment:
        'The simulator drives the platform as an integrator would: its gRPC/REST APIs, webhooks and files, never its code or database.',
      severity: 'error',
      from: { path: '^tools/' },
      to: {
        path: [
          '^services/',
          '^deploy/',
          '^libs/(messaging|runtime|testing)/',
          'node_modules/(typeorm|pg|@electric-sql)/',
        ],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(/dist/|/generated/|\\.spec\\.ts$|/test/)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
  },
};
