import { resolve } from 'node:path';

/**
 * `--name value` and `--flag` arguments of the model command-line tools. Unknown names are refused so
 * that a typo does not silently fall back to a default.
 */
export function parseArguments(argv: readonly string[], known: readonly string[], usage: string): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stderr.write(`${usage}\n`);
      process.exit(0);
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !known.includes(match[1])) throw new CliUsageError(`unknown argument ${arg}\n${usage}`);
    const value = match[2] ?? argv[i + 1];
    if (match[2] === undefined) i++;
    if (value === undefined || value.startsWith('--')) throw new CliUsageError(`--${match[1]} needs a value\n${usage}`);
    values.set(match[1], value);
  }
  return values;
}

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function integerArgument(values: Map<string, string>, name: string, fallback: number): number {
  const raw = values.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new CliUsageError(`--${name} must be an integer, got ${raw}`);
  return value;
}

/** The repository root, whether this runs compiled (dist/model/cli) or from source (src/model/cli). */
export const REPOSITORY_ROOT = resolve(__dirname, '../../../../..');

/** The UCI training file shared with the project, next to the repository. */
export const DEFAULT_UCI_TRAINING_FILE = resolve(REPOSITORY_ROOT, '../shared/datasets/uci-credit-default/train.csv');

export function progress(message: string): void {
  process.stderr.write(`[scoring] ${message}\n`);
}

/** Runs a CLI body; a failure prints its message (a stack only for unexpected errors) and exits 1. */
export function runCli(main: () => void | Promise<void>): void {
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      process.stderr.write(`${describeFailure(error)}\n`);
      process.exit(1);
    });
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const isSystemError = typeof (error as NodeJS.ErrnoException).code === 'string';
  const expected = error.name === 'CliUsageError' || error.name === 'ScoringModelException' || isSystemError;
  return expected ? error.message : (error.stack ?? error.message);
}
