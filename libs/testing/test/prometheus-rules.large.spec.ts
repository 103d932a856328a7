import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { prometheusBinary } from '../src';

const PROMETHEUS = join(__dirname, '..', '..', '..', 'deploy', 'prometheus');
const RULES = join(PROMETHEUS, 'rules');

/** promtool, shipped beside the prometheus binary (Debian's `prometheus` package has both), or $PROMTOOL_BIN. */
function promtoolBinary(): string {
  if (process.env.PROMTOOL_BIN) return process.env.PROMTOOL_BIN;
  const beside = join(dirname(prometheusBinary()), 'promtool');
  if (!existsSync(beside)) throw new Error(`no promtool beside ${prometheusBinary()} (or set PROMTOOL_BIN)`);
  return beside;
}

/**
 * Runs promtool to its end. `test rules` evaluates every unit test's series: about 30 s on a busy
 * two-core machine, so the kill comes well after that (and before the test's own 300 s timeout).
 */
function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(promtoolBinary(), args, { cwd: PROMETHEUS, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * Prometheus' own tool on the deployed configuration: both scrape configs load (with their rule
 * files), every rule parses, and the unit tests beside the rules (what fires on which series) pass.
 */
describe('Prometheus configuration and alert rules (promtool)', () => {
  it.each(['prometheus.yml', 'prometheus.local.yml'])('%s loads with its rule files', (config) => {
    const r = promtool('check', 'config', config);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringMatching(/SUCCESS/) });
    expect(r.output).not.toMatch(/0 rule files found/);
  });

  it('parses every rule file', () => {
    const files = readdirSync(RULES).filter((f) => f.endsWith('.rules.yml'));
    expect(files).not.toEqual([]);
    const r = promtool('check', 'rules', ...files.map((f) => join('rules', f)));
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.any(String) });
  });

  it('fires each alert on the series of its unit tests, and only then', () => {
    const r = promtool('test', 'rules', join('rules', 'collections.test.yml'));
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringMatching(/SUCCESS/) });
  });
});
