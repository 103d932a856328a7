import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** 32 random bytes in base64url: 43 characters. */
const SECRET_LENGTH = 43;

/**
 * A signing secret of the embedded platform kept beside its data (`<data folder>-secrets/`): made once (32 random bytes,
 * written readable by its owner only), then read back on every later start, so the links signed
 * with it (opt-out links sit in inboxes for months) stay valid across restarts, and no secret from
 * the repository signs them. A file that is not such a secret is an error naming the file, never
 * silently replaced: links already sent would stop working.
 */
export function dataDirSecret(dataDir: string, name: string): string {
  // Beside the data folder, not in it: PGlite initialises its folder only while it is empty.
  const dir = `${dataDir.replace(/[\\/]+$/, '')}-secrets`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${name}.secret`);
  try {
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (!new RegExp(`^[A-Za-z0-9_-]{${SECRET_LENGTH},}$`).test(secret))
    throw new Error(
      `${file} does not hold a secret (at least ${SECRET_LENGTH} base64url characters): restore it, or remove it to make a new one (links signed with the old one stop working)`,
    );
  return secret;
}
