#!/usr/bin/env node
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { decideCaseLine } from './case-line.decider';

/**
 * npm run --silent policy:evaluate -- --cases <file.jsonl | ->
 *
 * Reads one contact case per line and prints exactly one JSON decision per case on stdout, in
 * input order; blank lines are skipped. Usage errors go to stderr with exit code 2.
 *
 * A case: `id`, `jurisdiction`, `timezone`, `channel`, `at` (with an offset), `debtId`, and
 * optionally `region`, `history`, `consent`, `optedOut`, `holds`, `inconvenient` (the debtor's
 * inconvenient times: `[{"day":"tue","from":"00:00","to":"10:00","channels":["call"]}]`, `to`
 * before `from` past midnight, no channels: the pack's default) and `workplaceForbidden` (true:
 * the address used is a workplace whose employer forbids contact) (`case-line.parser.ts`); a case
 * without the last two is answered as before them.
 * `consent` lists the channels the debtor authorised, as on record; left out, null or `[]`, none
 * is on record, and a pack that requires consent (Colombia) refuses every channel under its
 * consent rule ("no channel authorised by the debtor on record"). Other packs do not read it.
 */
const USAGE = 'usage: policy:evaluate --cases <file.jsonl | ->';
const FLUSH_AT = 64 * 1024;

export async function main(argv: readonly string[]): Promise<number> {
  const at = argv.indexOf('--cases');
  const file = at >= 0 ? argv[at + 1] : undefined;
  if (!file) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const input: Readable = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    if (file === '-') resolve();
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    process.stderr.write(`policy:evaluate: cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }

  let buffer = '';
  let lineNumber = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber++;
    if (line.trim() === '') continue;
    buffer += `${JSON.stringify(decideCaseLine(line, lineNumber))}\n`;
    if (buffer.length >= FLUSH_AT) {
      await write(buffer);
      buffer = '';
    }
  }
  if (buffer) await write(buffer);
  return 0;
}

function write(chunk: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(chunk)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

if (require.main === module) {
  // A reader that stops early (| head) is not a failure of the evaluation.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `policy:evaluate failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
