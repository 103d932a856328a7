import { ServiceName } from '@collections/contracts';
import { int, loadConfig, oneOf, optional, str } from '@collections/platform';

/** Default ports, the same in the local scripts and docker-compose.yml. */
export const DEFAULT_PORTS: Record<ServiceName, { http: number; grpc: number }> = {
  ledger: { http: 3001, grpc: 50051 },
  scoring: { http: 3002, grpc: 50052 },
  orchestrator: { http: 3003, grpc: 50053 },
  promises: { http: 3004, grpc: 50054 },
  reporting: { http: 3005, grpc: 50055 },
};

export function loadServiceConfig(name: ServiceName, env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      http: {
        host: str('HTTP_HOST', { default: '0.0.0.0' }),
        port: int('HTTP_PORT', { default: DEFAULT_PORTS[name].http, min: 0, max: 65535 }),
      },
      grpc: {
        host: str('GRPC_HOST', { default: '0.0.0.0' }),
        port: int('GRPC_PORT', { default: DEFAULT_PORTS[name].grpc, min: 0, max: 65535 }),
      },
      database: {
        url: str('DATABASE_URL', { default: 'postgres://postgres@127.0.0.1:5432/postgres' }),
        schema: str('DB_SCHEMA', { default: name }),
        poolSize: int('DB_POOL_SIZE', { default: 10, min: 1 }),
      },
      transport: oneOf('TRANSPORT', ['kafka', 'in-process'] as const, { default: 'kafka' }),
      kafka: {
        brokers: str('KAFKA_BROKERS', { default: '127.0.0.1:9092' }),
        topicPrefix: str('KAFKA_TOPIC_PREFIX', { default: '' }),
        partitions: int('KAFKA_PARTITIONS', { default: 4, min: 1 }),
        // How long the group waits for a silent member (a killed process) before handing its partitions on.
        sessionTimeoutMs: int('KAFKA_SESSION_TIMEOUT_MS', { default: 30_000, min: 6_000 }),
      },
      auth: { apiKeys: str('API_KEYS'), jwtSecret: optional(str('JWT_SECRET')) },
      log: {
        level: oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, { default: 'info' }),
      },
    },
    env,
  );
}

export type ServiceConfig = ReturnType<typeof loadServiceConfig>;
