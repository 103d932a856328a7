import { loadConfig, int, str } from '@collections/platform';
import { startContactCatchers } from '../contacts/catchers';
import { generatePortfolio } from '../model/portfolio';
import { PlatformClient } from '../platform/platform-client';
import { startFreshPlatform } from '../platform/embedded-platform';
import { kpiTableText } from '../report';
import { SIMULATION_START, runSimulation } from '../simulation';

/**
 * `npm start`'s demo (the default; `DEMO=off` or `npm start -- --no-demo` runs the plain platform):
 * a fresh embedded platform on a simulated clock from 18:00 UTC with the simulator's contact
 * catchers wired in, a seeded demo portfolio played day by day at an accelerated pace, the KPI
 * table at the end, and then the platform keeps serving until Ctrl-C. Everything goes through
 * the platform's public ports, as the simulator always does.
 */
async function main(): Promise<void> {
  const config = loadConfig({
    accounts: int('DEMO_ACCOUNTS', { default: 200, min: 1, max: 1_000_000 }),
    days: int('DEMO_DAYS', { default: 60, min: 1, max: 10_000 }),
    seed: str('DEMO_SEED', { default: '1' }),
    /** The least wall-clock time one simulated business day takes (0 = as fast as it goes). */
    dayMs: int('DEMO_DAY_MS', { default: 3000, min: 0, max: 3_600_000 }),
    httpPort: int('HTTP_PORT', { default: 3000, min: 1, max: 65535 }),
    grpcPort: int('GRPC_PORT', { default: 50050, min: 1, max: 65535 }),
    pgPort: int('EMBEDDED_PG_PORT', { default: 54329, min: 1, max: 65535 }),
    apiKey: str('DEMO_API_KEY', { default: 'demo-key' }),
  });
  const out = (line: string) => process.stdout.write(`${line}\n`);

  const catchers = await startContactCatchers(config.seed, config.accounts);
  out(`starting the embedded platform on a simulated clock from ${SIMULATION_START} (takes about a minute)...`);
  const started = Date.now();
  const platform = await startFreshPlatform({
    start: SIMULATION_START,
    env: { ...process.env, ...catchers.platformEnv },
    ports: { pg: config.pgPort, http: config.httpPort, grpc: config.grpcPort },
    tenant: { id: 'demo', apiKey: config.apiKey },
  });
  const client = new PlatformClient(platform);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    client.close();
    await platform.stop();
    for (const source of catchers.sources) await source.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  void platform.exited.then((code) => {
    if (stopping) return;
    process.stderr.write(`the embedded platform exited (${code})\n`);
    void stop(1);
  });

  const http = platform.http;
  const key = config.apiKey;
  // The report is per currency when a tenant has several: the link names the most common one.
  const perCurrency = new Map<string, number>();
  for (const d of generatePortfolio(config.seed, config.accounts))
    perCurrency.set(d.jurisdiction.currency, (perCurrency.get(d.jurisdiction.currency) ?? 0) + 1);
  const currencies = [...perCurrency.keys()].sort(
    (a, b) => perCurrency.get(b)! - perCurrency.get(a)! || a.localeCompare(b),
  );
  out(
    [
      '',
      `Collections platform (embedded, demo) is up in ${((Date.now() - started) / 1000).toFixed(1)} s; tenant "demo", API key ${key}`,
      `  REST     ${http}   (try: curl -H 'x-api-key: ${key}' ${http}/v1/reporting/recovery-summary)`,
      `  OpenAPI  ${http}/v1/ledger/openapi.json   (the ledger's REST API; also /v1/{scoring,orchestrator,promises,reporting}/openapi.json)`,
      `  gRPC     ${platform.grpc}   (server reflection on: grpcurl -plaintext -H 'x-api-key: ${key}' ${platform.grpc} list)`,
      `  metrics  ${http}/metrics`,
      `  report   ${http}/v1/reporting/report.html?currency=${currencies[0]}   (send the x-api-key header; currencies: ${currencies.join(', ')})`,
      `  health   ${http}/health   ready ${http}/ready`,
      `  clock    simulated from ${SIMULATION_START}: GET ${http}/v1/platform/simulation/clock`,
      `  contacts e-mail to the SMTP catcher on 127.0.0.1:${catchers.platformEnv.SMTP_PORT}, SMS/WhatsApp to stand-ins on ${catchers.platformEnv.TWILIO_BASE_URL}: counted below`,
      '',
      `Demo: ${config.accounts} accounts, seed ${config.seed}, ${config.days} business days, one every ${config.dayMs / 1000} s or so (DEMO_ACCOUNTS, DEMO_SEED, DEMO_DAYS, DEMO_DAY_MS; DEMO=off for the plain platform)`,
      '',
    ].join('\n'),
  );

  let dayStarted = Date.now();
  const result = await runSimulation(client, {
    accounts: config.accounts,
    days: config.days,
    seed: config.seed,
    contactSources: catchers.sources,
    afterDay: async ({ date, businessDay, contactsObserved }) => {
      const contacts =
        Object.entries(contactsObserved)
          .map(([channel, n]) => `${channel} ${n}`)
          .join(', ') || 'none yet';
      out(`day ${businessDay}/${config.days}  ${date}  contacts observed: ${contacts}`);
      const wait = config.dayMs - (Date.now() - dayStarted);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      dayStarted = Date.now();
    },
  }).catch(async (err: unknown) => {
    process.stderr.write(
      `demo: the simulation failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    await stop(1);
    throw err;
  });
  out('');
  out(kpiTableText(result));
  out(`Demo done. The platform keeps serving at ${http} (gRPC ${platform.grpc}); Ctrl-C stops it.`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
