import { ConfigError, KeyedSecret, int, linkSecrets, loadConfig, optional, str, url } from '@collections/platform';

/** The links' local-only secrets: anyone who reads this repository can sign a link with them. */
export const LOCAL_ONLY_LINK_SECRETS = {
  PAYMENT_LINK_SECRET: 'local-only-payment-link-secret-0123456789',
  OPT_OUT_LINK_SECRET: 'local-only-opt-out-link-secret-0123456789',
} as const;

/** The planner's and dispatcher's settings, read once at boot. */
export function loadPlannerConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(
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
        // HMAC secret of payment links, at least 32 bytes; the default is for local runs only. During
        // a rotation `<id>:<secret>,...`, the key links are signed with first (the promises service
        // verifies them under the same setting).
        secrets: linkSecrets('PAYMENT_LINK_SECRET', { default: LOCAL_ONLY_LINK_SECRETS.PAYMENT_LINK_SECRET }),
        baseUrl: url('PAYMENT_LINK_BASE_URL', { default: 'http://127.0.0.1:3000/pay' }),
        days: int('PAYMENT_LINK_DAYS', { default: 7, min: 1, max: 90 }),
      },
      optOut: {
        // The base of e-mails' opt-out links (the orchestrator's public `/opt-out/{token}`): each
        // e-mail's link adds its own signed token (tenant, address hash, delivery).
        baseUrl: url('OPT_OUT_URL', { default: 'http://127.0.0.1:3000/opt-out' }),
        // HMAC secret of opt-out links, at least 32 bytes, none of PAYMENT_LINK_SECRET's; the default
        // is for local runs only. During a rotation `<id>:<secret>,...`, the signing key first.
        secrets: linkSecrets('OPT_OUT_LINK_SECRET', { default: LOCAL_ONLY_LINK_SECRETS.OPT_OUT_LINK_SECRET }),
        // An address taking opt-outs by e-mail, offered in List-Unsubscribe beside the link (none by default).
        mailto: optional(str('OPT_OUT_MAILTO')),
        // Requests to the opt-out route per client address, and per link, a minute.
        perClientPerMinute: int('OPT_OUT_PER_CLIENT_PER_MINUTE', { default: 60, min: 1 }),
        perTokenPerMinute: int('OPT_OUT_PER_TOKEN_PER_MINUTE', { default: 10, min: 1 }),
      },
    },
    env,
  );
  const shared = sharedSecrets(config.paymentLinks.secrets, config.optOut.secrets);
  if (shared.length > 0)
    throw new ConfigError(
      shared.map(([payment, optOut]) => ({
        variable: 'OPT_OUT_LINK_SECRET',
        problem: `key "${optOut}" has the secret of PAYMENT_LINK_SECRET's key "${payment}": opt-out links need a secret of their own (a payment link must never open as an opt-out, nor the other way round)`,
      })),
    );
  return config;
}

/** The pairs of key ids (payment link, opt-out link) whose secrets are one. */
function sharedSecrets(payment: readonly KeyedSecret[], optOut: readonly KeyedSecret[]): [string, string][] {
  return payment.flatMap((p) => optOut.filter((o) => o.secret === p.secret).map((o): [string, string] => [p.id, o.id]));
}

/**
 * Whether a link base (PAYMENT_LINK_BASE_URL, OPT_OUT_URL) names this machine (localhost, a loopback
 * address): the repository's defaults, which a debtor's phone or mailbox cannot open. The boot warns.
 */
export function linksOnlyThisMachineOpens(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1';
}

/** Whether any key of a link secret setting is a local-only secret, which anyone can sign with. */
export const usesLocalOnlySecret = (keys: readonly KeyedSecret[]) =>
  keys.some((k) => (Object.values(LOCAL_ONLY_LINK_SECRETS) as string[]).includes(k.secret));
