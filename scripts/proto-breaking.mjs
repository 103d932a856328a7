#!/usr/bin/env node
// buf breaking against the main branch (the last landed contracts). On main itself, or in a
// clone without a main branch, compare with the previous commit instead when there is one.
import { spawnSync } from 'node:child_process';
import { pnpm, root } from './pnpm.mjs';

const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
const branch = git('rev-parse', '--abbrev-ref', 'HEAD').stdout.trim();
const hasMain = git('rev-parse', '--verify', '--quiet', 'refs/heads/main').status === 0;
let against;
if (hasMain && branch !== 'main') against = '.git#branch=main';
else if (git('rev-parse', '--verify', '--quiet', 'HEAD~1').status === 0) against = '.git#ref=HEAD~1';
if (!against) {
  console.log('proto:breaking: no earlier contracts to compare with');
  process.exit(0);
}
// The earlier commit may predate proto/: nothing to break then.
if (git('cat-file', '-e', `${against.includes('HEAD~1') ? 'HEAD~1' : 'main'}:proto`).status !== 0) {
  console.log(`proto:breaking: ${against} has no proto/ yet`);
  process.exit(0);
}
console.log(`proto:breaking: comparing proto/ with ${against}`);
process.exit(pnpm(['exec', 'buf', 'breaking', '--against', against]));
