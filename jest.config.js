// Three tiers (see STYLE.md): small = pure code; medium = real PostgreSQL / Kafka;
// large = services as processes. Pick one with `--selectProjects small|medium|large`.
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const moduleNameMapper = {};
for (const dir of ['libs', 'services', 'tools']) {
  for (const name of readdirSync(join(__dirname, dir))) {
    if (existsSync(join(__dirname, dir, name, 'package.json'))) {
      moduleNameMapper[`^@collections/${name}$`] = `<rootDir>/${dir}/${name}/src`;
    }
  }
}

const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        keepClassNames: true,
      },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    },
  ],
};

const base = {
  rootDir: __dirname,
  transform,
  moduleNameMapper,
  testEnvironment: 'node',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/deploy/embedded', '<rootDir>/tools'],
};

module.exports = {
  projects: [
    {
      ...base,
      displayName: 'small',
      testMatch: ['**/*.spec.ts'],
      testPathIgnorePatterns: [...base.testPathIgnorePatterns, '\\.(medium|large|chaos)\\.spec\\.ts$'],
    },
    {
      ...base,
      displayName: 'medium',
      testMatch: ['**/*.medium.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/libs/testing/jest/medium.setup.js'],
    },
    {
      ...base,
      displayName: 'large',
      testMatch: ['**/*.large.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/libs/testing/jest/large.setup.js'],
    },
    {
      // `npm test` runs it last (scripts/test.mjs): 8-20 minutes on a busy two-core machine. Passed
      // three times in a row opt-in before it joined the default tiers (the test's header).
      ...base,
      displayName: 'chaos',
      testMatch: ['**/*.chaos.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/libs/testing/jest/large.setup.js'],
    },
  ],
};
