import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDirSecret } from './data-dir-secret';

describe(dataDirSecret.name, () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'embedded-secret-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('makes a secret of this installation once and gives the same one after a restart', () => {
    const dataDir = join(root, 'pglite');
    const first = dataDirSecret(dataDir, 'opt-out-link');
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(dataDirSecret(dataDir, 'opt-out-link')).toBe(first);
    // Another installation, or another purpose, has its own.
    expect(dataDirSecret(join(root, 'other'), 'opt-out-link')).not.toBe(first);
    expect(dataDirSecret(dataDir, 'payment-link')).not.toBe(first);
  });

  it('keeps it beside the data folder, readable by its owner only, and leaves the data folder to PGlite', () => {
    const dataDir = join(root, 'pglite');
    dataDirSecret(`${dataDir}/`, 'opt-out-link');
    const file = join(root, 'pglite-secrets', 'opt-out-link.secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(root)).toEqual(['pglite-secrets']);
  });

  it('refuses a damaged secret file, naming it, rather than silently signing with a new secret', () => {
    const dataDir = join(root, 'pglite');
    dataDirSecret(dataDir, 'opt-out-link');
    const file = join(root, 'pglite-secrets', 'opt-out-link.secret');
    writeFileSync(file, 'short');
    expect(() => dataDirSecret(dataDir, 'opt-out-link')).toThrow(file);
  });
});
