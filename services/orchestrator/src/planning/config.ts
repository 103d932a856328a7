import { int, loadConfig, str, url } from '@collections/platform';

/** The planner's and dispatcher's settings, read once at boot. */
export function loadPlannerConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      // How often the daily planning run looks at the clock (0: only on demand).
      planningCheckMs: int('ORCHESTRATOR_PLANNING_CHECK_MS', { default: 15 * 60_000, min: 0 }),
      // Accounts per chunk (one transaction) of the daily planning run.
      planningChunk: int('ORCHESTRATOR_PLANNING_CHUNK', { default: 10_000, min: 1 }),
      // Chunks of the daily run in flight at once (2: one is read and decided while another is written).
      // It pays when the database has a core to spare: 1M accounts on the quiet 2-core machine took
      // 124 s with 2 lanes against 152 s with 1; on a machine loaded by other work, 1 lane does better.
      planningLanes: int('ORCHESTRATOR_PLANNING_LANES', { default: 2, min: 1, max: 4 }),
      // How often the dispatcher looks for contacts that fell due (0: only on demand).
      dispatchCheckMs: int('ORCHESTRATOR_DISPATCH_CHECK_MS', { default: 5_000, min: 0 }),
      ledger: {
        // The ledger's gRPC address: debtors' names and addresses are asked of it at send time.
        grpcAddress: str('ORCHESTRATOR_LEDGER_GRPC_ADDRESS', { default: '127.0.0.1:50051' }),
        // "tenant:apiKey,...": the key each tenant's calls to the ledger carry.
        apiKeys: str('ORCHESTRATOR_LEDGER_API_KEYS', { default: '' }),
      },
      paymentLinks: {
        // HMAC secret of payment links, at least 32 bytes; the default is for local runs only.
        secret: str('PAYMENT_LINK_SECRET', { default: 'local-only-payment-link-secret-0123456789' }),
        baseUrl: url('PAYMENT_LINK_BASE_URL', { default: 'http://127.0.0.1:3000/pay' }),
        days: int('PAYMENT_LINK_DAYS', { default: 7, min: 1, max: 90 }),
      },
      // Where e-mail recipients opt out (linked where the rule pack requires an opt-out line).
      optOutUrl: url('OPT_OUT_URL', { default: 'http://127.0.0.1:3000/opt-out' }),
    },
    env,
  );
}
