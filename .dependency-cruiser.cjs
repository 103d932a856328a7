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
