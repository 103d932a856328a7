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
 * What a failed statement's error carries of the values it was given: TypeORM's `parameters` and
 * PostgreSQL's `detail` ("Failing row contains (...)", "Key (...)=(...) already exists"), which hold
 * the names, phone numbers, addresses... being written. The message, query text, code, table and
 * constraint stay: they say what failed without saying about whom.
 */
const STATEMENT_VALUE_KEYS = new Set(['parameters', 'detail']);

/** pino's error serializer, with the statement values of the error (and of the errors it holds) redacted. */
export function serializeError(err: unknown): unknown {
  return withoutStatementValues(pino.stdSerializers.err(err as Error), 0);
}

/** The prototype of pino's serialized errors (their `raw` is not enumerable, so not copied). */
const SERIALIZED_ERROR = Object.getPrototypeOf(pino.stdSerializers.err(new Error())) as object;

function withoutStatementValues(value: unknown, depth: number): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => withoutStatementValues(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as object | null;
  // Dates, buffers and the like are logged as they are.
  if (proto !== Object.prototype && proto !== null && proto !== SERIALIZED_ERROR) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    copy[key] = STATEMENT_VALUE_KEYS.has(key) && v !== undefined ? REDACTED : withoutStatementValues(v, depth + 1);
  }
  return copy;
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
      this.logger[level]({ context, err: message }, message.message);
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
