// `npm start`: the embedded platform with the demo (a fresh platform on a simulated clock, a
// seeded portfolio played by the simulator, tools/simulator/src/cli/demo.ts), or with
// `DEMO=off` / `npm start -- --no-demo` the plain platform on the real clock
// (deploy/embedded/src/main.ts). A launcher, so that neither deploy/ nor tools/ imports the other.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--no-demo' && a !== '--demo');
if (unknown.length > 0) {
  process.stderr.write(
    `npm start: unknown option(s) ${unknown.join(' ')} (use --no-demo or DEMO=off for the plain platform)\n`,
  );
  process.exit(2);
}
const demoOff = args.includes('--no-demo') || /^(off|0|false|no)$/i.test(process.env.DEMO ?? '');
const entry = demoOff ? 'deploy/embedded/dist/main.js' : 'tools/simulator/dist/cli/demo.js';
await import(pathToFileURL(join(root, entry)).href);
