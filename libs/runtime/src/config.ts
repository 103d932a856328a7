import { ServiceName } from '@collections/contracts';
import { DEFAULT_PUBLISH_TIMEOUT_MS, OUTBOX_PUBLISHED, OutboxPublished } from '@collections/messaging';
import { isIP } from 'node:net';
import { ConfigField, int, loadConfig, num, oneOf, optional, str } from '@collections/platform';
import { DEFAULT_RANDOM_PAGE_COST } from './database';

/** Default ports, the same in the local scripts and docker-compose.yml. */
export const DEFAULT_PORTS: Record<ServiceName, { http: number; grpc: number }> = {
  ledger: { http: 3001, grpc: 50051 },
  scoring: { http: 3002, grpc: 50052 },
  orchestrator: { http: 3003, grpc: 50053 },
  promises: { http: 3004, grpc: 50054 },
  reporting: { http: 3005, grpc: 50055 },
};

/** Where a simulated clock starts unless told: a fixed Monday noon UTC, as in embedded mode. */
export const DEFAULT_SIMULATION_START = '2026-01-05T12:00:00.000Z';

/**
 * HTTP_TRUST_PROXY: the proxies in front of the REST API whose X-Forwarded-For is believed, so a
 * request's client address (the per-client rate limits of payment and opt-out links) is the
 * debtor's, not the load balancer's. Empty (the default): none, the peer's address counts and
 * X-Forwarded-For is ignored. A number: that many hops. Otherwise addresses, CIDR ranges or
 * `loopback`, `linklocal`, `uniquelocal`, comma-separated. Never trust every peer: a debtor could
 * then write their own address.
 */
export function trustProxyConfig(): ConfigField<TrustProxy> {
  return {
    kind: 'config-field',
    name: 'HTTP_TRUST_PROXY',
    parse: (raw) => {
      try {
        return { ok: true, value: parseTrustProxy(raw) };
      } catch (err) {
        return { ok: false, problem: (err as Error).message };
      }
    },
    hasDefault: true,
    defaultValue: false,
  };
}

/** Express's `trust proxy` setting, as HTTP_TRUST_PROXY gives it. */
export type TrustProxy = false | number | readonly string[];

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

export function parseTrustProxy(raw: string): TrustProxy {
  const value = raw.trim();
  if (!value) return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10) throw new Error(`a number of hops is 1-10, got ${value}`);
    return hops;
  }
  const entries = value.split(',').map((e) => e.trim());
  for (const entry of entries) {
    if (PROXY_KEYWORDS.has(entry)) continue;
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits);
    if (!family || !prefixOk || rest.length > 0 || (prefix !== undefined && Number(prefix) === 0))
      throw new Error(
        `expected a number of hops, or addresses, CIDR ranges (not /0) or loopback, linklocal, uniquelocal, comma-separated; got ${JSON.stringify(entry)}`,
      );
  }
  return entries;
}

/**
 * OUTBOX_RELAY_STALL_MS: 0 (no watchdog) or longer than a publish's deadline, else a publish still
 * within its deadline reads as a stall and the watchdog ends a thread that is working.
 */
function relayStallMs(): ConfigField<number> {
  const base = int('OUTBOX_RELAY_STALL_MS', { default: 60_000, min: 0 });
  return {
    ...base,
    parse: (raw) => {
      const parsed = base.parse(raw);
      if (parsed.ok && parsed.value > 0 && parsed.value <= DEFAULT_PUBLISH_TIMEOUT_MS)
        return {
          ok: false,
          problem: `0 (never) or more than a publish's ${DEFAULT_PUBLISH_TIMEOUT_MS} ms deadline, got ${parsed.value}: a publish still waiting for the broker would read as a stalled thread`,
        };
      return parsed;
    },
  };
}

export function loadServiceConfig(name: ServiceName, env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      http: {
        host: str('HTTP_HOST', { default: '0.0.0.0' }),
        port: int('HTTP_PORT', { default: DEFAULT_PORTS[name].http, min: 0, max: 65535 }),
        trustProxy: trustProxyConfig(),
      },
      grpc: {
        host: str('GRPC_HOST', { default: '0.0.0.0' }),
        port: int('GRPC_PORT', { default: DEFAULT_PORTS[name].grpc, min: 0, max: 65535 }),
      },
      database: {
        url: str('DATABASE_URL', { default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
        schema: str('DB_SCHEMA', { default: name }),
        poolSize: int('DB_POOL_SIZE', { default: 10, min: 1 }),
        // The planner's price of a random page read for the service's sessions (openServiceDatabase).
        randomPageCost: num('DB_RANDOM_PAGE_COST', { default: DEFAULT_RANDOM_PAGE_COST, min: 0.01 }),
      },
      transport: oneOf('TRANSPORT', ['kafka', 'in-process'] as const, { default: 'kafka' }),
      kafka: {
        brokers: str('KAFKA_BROKERS', { default: '127.0.0.1:9092' }),
        topicPrefix: str('KAFKA_TOPIC_PREFIX', { default: '' }),
        partitions: int('KAFKA_PARTITIONS', { default: 4, min: 1 }),
        // How long the group waits for a silent member (a killed process) before handing its partitions on.
        sessionTimeoutMs: int('KAFKA_SESSION_TIMEOUT_MS', { default: 30_000, min: 6_000 }),
        // How often consumers commit the offsets of what they processed (a simulation's "drained"
        // waits for the commit, so it runs with a short one).
        commitIntervalMs: int('KAFKA_COMMIT_INTERVAL_MS', { default: 500, min: 1 }),
      },
      retention: retentionSettings(),
      // Where the outbox relay runs: `main`, the service's event loop; `worker`, a thread of its
      // own with its own pool and producer, publishing on another core while the consumers work
      // (a busy service's choice: the promises bench runs so).
      relayThread: oneOf('OUTBOX_RELAY_THREAD', ['main', 'worker'] as const, { default: 'main' }),
      // With `worker`: how long events may wait while the thread publishes nothing before the
      // service logs an error and starts the thread again (0: never).
      relayThreadStallMs: relayStallMs(),
      auth: { apiKeys: str('API_KEYS'), jwtSecret: optional(str('JWT_SECRET')) },
      // `simulated`: a clock that stands still until moved through this process's
      // collections.platform.v1.SimulationService, which runs its clock-driven jobs.
      clock: {
        kind: oneOf('PLATFORM_CLOCK', ['system', 'simulated'] as const, { default: 'system' }),
        start: str('PLATFORM_CLOCK_START', { default: DEFAULT_SIMULATION_START }),
      },
      log: {
        level: oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, { default: 'info' }),
      },
    },
    env,
  );
}

export type ServiceConfig = ReturnType<typeof loadServiceConfig>;

/**
 * How long a service keeps what its messaging wrote, in hours (0 keeps it): read alike by a service
 * on its own (loadServiceConfig) and by the embedded platform.
 */
export function retentionSettings() {
  return {
    // Published events stay in the outbox (audit, debugging) this long before the relay deletes them.
    outboxHours: num('OUTBOX_RETENTION_HOURS', { default: 168, min: 0 }),
    // Or none of them: `delete` deletes each event as the relay publishes it (the broker's topic
    // then holds the only copy), which spares the database a rewrite of every row.
    outboxPublished: oneOf('OUTBOX_PUBLISHED', OUTBOX_PUBLISHED, { default: 'keep' }),
    // Consumers' inboxes keep processed event ids at least this long (longer when Kafka may deliver
    // a topic's records again later: its retention.ms + segment.ms).
    inboxHours: num('INBOX_RETENTION_HOURS', { default: 336, min: 0 }),
    // Replayed dead letters stay this many days after their replay (0: for ever); dead letters
    // never replayed are an operator's open work and always stay.
    deadLetterDays: num('DEAD_LETTER_RETENTION_DAYS', { default: 30, min: 0 }),
  };
}

export interface RetentionHours {
  outboxHours: number;
  /** What the relay does with a published event: keeps it `outboxHours`, or deletes it at once. */
  outboxPublished?: OutboxPublished;
  inboxHours: number;
  /** Days, not hours: how long a replayed dead letter stays after its replay (default 30). */
  deadLetterDays?: number;
}

/** A setting in hours, as the milliseconds the libraries take. */
export const hoursToMs = (hours: number): number => hours * 3_600_000;

/** Those settings as a Backbone's relay, inbox and dead-letter options. */
export function backboneRetention(hours: RetentionHours): {
  relay: { retentionMs: number; published: OutboxPublished };
  inbox: { retentionMs: number };
  deadLetters: { retentionMs: number };
} {
  return {
    relay: { retentionMs: hoursToMs(hours.outboxHours), published: hours.outboxPublished ?? 'keep' },
    inbox: { retentionMs: hoursToMs(hours.inboxHours) },
    deadLetters: { retentionMs: hoursToMs(24 * (hours.deadLetterDays ?? 30)) },
  };
}
