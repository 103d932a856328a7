import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded platform runs every service's migrations against one PGlite database, which
 * ignores `search_path`: all tables and indexes land in one schema. Two services creating the
 * same name would stop `npm start`; this finds it before a large test does.
 */
const SERVICES_DIR = join(__dirname, '..', '..', '..', 'services');

function createdNames(service: string): string[] {
  const dir = join(SERVICES_DIR, service, 'src', 'migrations');
  const names: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(
      /CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX)\s+(?:IF NOT EXISTS\s+)?"?([a-z_][a-z0-9_]*)/gi,
    ))
      names.push(m[1].toLowerCase());
  }
  return names;
}

describe('tables and indexes of the five services', () => {
  it('never share a name, so the embedded platform can hold them in one schema', () => {
    const owners = new Map<string, string[]>();
    for (const service of readdirSync(SERVICES_DIR)) {
      for (const name of new Set(createdNames(service))) owners.set(name, [...(owners.get(name) ?? []), service]);
    }
    const shared = [...owners].filter(([, services]) => services.length > 1);
    expect(owners.size).toBeGreaterThan(30);
    expect(shared).toEqual([]);
  });
});
