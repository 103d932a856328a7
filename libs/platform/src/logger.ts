import type { LoggerService } from '@nestjs/common';
import pino from 'pino';

export type Logger = pino.Logger;

/** Debtor personal data that must never reach log storage (shared, long-lived, widely readable). */
const PII_KEYS = [
  'nationalId',
  'national_id',
  'email',
  'phone',
  'phoneNumber',
  'name',
  'firstName',
  'lastName',
  'fullName',
  'address',
  'postalAddress',
  'dateOfBirth',
  // The contracts' own names: a ledger Debtor's, a delivery record's.
  'displayName',
  'display_name',
  'contactPoints',
  'contact_points',
  'recipient',
] as const;

/** Redaction paths: each PII key at the top level and nested one or two objects deep. */
export const PII_FIELDS: readonly string[] = Object.freeze(PII_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]));

export const REDACTED = '[redacted]';

/**
 * What a failed statement's error carries of the values it was given: TypeORM's `parameters`,
 * PostgreSQL's `detail` ("Failing row contains (...)", "Key (...)=(...) already exists") and `where`
 * ("COPY debtor, line 3, column email: \"...\"", "JSON data, line 1: {...}"), which hold the names,
 * phone numbers, addresses... being written. The query text, SQLSTATE `code`, table, column and
 * constraint stay: they say what failed without saying about whom.
 */
const STATEMENT_VALUE_KEYS = new Set(['parameters', 'detail', 'where']);

/**
 * SQLSTATE classes whose messages name only schema objects (relation, column, constraint, type),
 * never a value: connection (08), integrity (23: "duplicate key value violates unique constraint
 * \"x\"", the values are in `detail`), transaction state (25), rollback (40), syntax and access
 * (42), resources (53), object state (55), operator intervention (57). Any other class's message may
 * quote the value refused — a data exception (22) does: `invalid input syntax for type uuid:
 * "ana@example.com"`, `value "3001234567" is out of range for type integer` — and is logged with
 * what it quotes redacted.
 */
const NAMING_ONLY_SQLSTATE_CLASSES = new Set(['08', '23', '25', '40', '42', '53', '55', '57']);

/** A PostgreSQL error (node-postgres's, or TypeORM's QueryFailedError, which copies its fields). */
function isPostgresError(e: Record<string, unknown>): e is Record<string, unknown> & { code: string } {
  return (
    typeof e.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(e.code) &&
    (typeof e.severity === 'string' || typeof e.routine === 'string')
  );
}

/** A PostgreSQL message with what it quotes (the value refused) and the bytes it shows redacted. */
function withoutQuotedValues(message: string): string {
  return message
    .replace(/"[\s\S]*"/, `"${REDACTED}"`)
    .replace(/'[\s\S]*'/, `'${REDACTED}'`)
    .replace(/0x[0-9a-fA-F]{2}(\s+0x[0-9a-fA-F]{2})*/g, REDACTED);
}

/**
 * The messages of the PostgreSQL errors in `err` (itself, its cause, a TypeORM error's driverError,
 * an AggregateError's errors) that may quote a value, each with its redacted form. pino copies a
 * message into the stack and into the messages and stacks of the errors that wrap it (`cause`), so
 * the redaction replaces the message wherever it appears in the serialized error.
 */
function valueQuotingMessages(err: unknown, found: Map<string, string>, depth = 0): Map<string, string> {
  if (depth > 4 || err === null || typeof err !== 'object') return found;
  const e = err as Record<string, unknown>;
  if (isPostgresError(e) && !NAMING_ONLY_SQLSTATE_CLASSES.has(e.code.slice(0, 2))) {
    const message = typeof e.message === 'string' ? e.message : '';
    const redacted = withoutQuotedValues(message);
    if (redacted !== message) found.set(message, redacted);
  }
  for (const inner of [e.cause, e.driverError, ...(Array.isArray(e.errors) ? e.errors : [])])
    valueQuotingMessages(inner, found, depth + 1);
  return found;
}

/**
 * pino's error serializer, with the statement values of the error (and of the errors it holds)
 * redacted, and the values a PostgreSQL message quotes redacted in every message and stack.
 */
export function serializeError(err: unknown): unknown {
  const messages = valueQuotingMessages(err, new Map());
  return withoutStatementValues(pino.stdSerializers.err(err as Error), 0, messages);
}

/** The prototype of pino's serialized errors (their `raw` is not enumerable, so not copied). */
const SERIALIZED_ERROR = Object.getPrototypeOf(pino.stdSerializers.err(new Error())) as object;

function withoutStatementValues(value: unknown, depth: number, messages: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return withoutMessages(value, messages);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => withoutStatementValues(v, depth + 1, messages));
  const proto = Object.getPrototypeOf(value) as object | null;
  // Dates, buffers and the like are logged as they are.
  if (proto !== Object.prototype && proto !== null && proto !== SERIALIZED_ERROR) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    copy[key] =
      STATEMENT_VALUE_KEYS.has(key) && v !== undefined ? REDACTED : withoutStatementValues(v, depth + 1, messages);
  }
  return copy;
}

function withoutMessages(text: string, messages: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [message, redacted] of messages) out = out.split(message).join(redacted);
  return out;
}

export interface CreateLoggerOptions {
  service: string;
  level?: string;
  /** Where JSON lines go; stdout when omitted. Tests pass an in-memory stream. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const pinoOptions: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    errorKey: 'err',
    serializers: { err: serializeError },
    // Level names survive log pipelines that don't know pino's numeric levels.
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...PII_FIELDS], censor: REDACTED },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

type NestLogLevel = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/** Routes Nest's own framework logging (bootstrap, route mapping, uncaught errors) into pino. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams);
  }

  /** Nest calls error(message, stack?, context?). */
  error(message: unknown, ...optionalParams: unknown[]): void {
    const [maybeStack, ...rest] = optionalParams;
    if (!(message instanceof Error) && typeof maybeStack === 'string' && /\n\s+at /.test(maybeStack)) {
      const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
      this.logger.error({ context, stack: maybeStack }, stringify(message));
      return;
    }
    this.write('error', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  /** Nest appends the context (usually a class name) as the last string argument. */
  private write(level: NestLogLevel, message: unknown, optionalParams: unknown[]): void {
    const last = optionalParams[optionalParams.length - 1];
    const context = typeof last === 'string' ? last : undefined;
    if (message instanceof Error) {
      // The line's text is the error's message, redacted as the err serializer redacts it.
      this.logger[level](
        { context, err: message },
        withoutMessages(message.message, valueQuotingMessages(message, new Map())),
      );
    } else if (message !== null && typeof message === 'object') {
      this.logger[level]({ context, ...(message as Record<string, unknown>) });
    } else {
      this.logger[level]({ context }, stringify(message));
    }
  }
}

function stringify(message: unknown): string {
  return typeof message === 'string' ? message : String(message);
}
