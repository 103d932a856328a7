import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { freePort } from '@collections/platform';
import { RunningProcess, WaitAborted, startProcess, waitFor } from '../src';

const REPO = join(__dirname, '..', '..', '..');

// The platform's boot (migrations of five services on PGlite) takes most of this file's time.
jest.setTimeout(600_000);

/** The gRPC services a server names through server reflection (grpc.reflection.v1). */
async function reflectedServices(address: string): Promise<string[]> {
  // @grpc/reflection resolves to its build/src/index.js; its protos are in build/proto.
  const reflectionDir = dirname(require.resolve('@grpc/reflection', { paths: [join(REPO, 'libs/platform')] }));
  const definition = protoLoader.loadSync(join(reflectionDir, '..', 'proto/grpc/reflection/v1/reflection.proto'), {
    keepCase: false,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const call = client.serverReflectionInfo() as grpc.ClientDuplexStream<
        { listServices: string },
        { listServicesResponse?: { service: { name: string }[] } }
      >;
      call.on('data', (response) => {
        resolve((response.listServicesResponse?.service ?? []).map((s: { name: string }) => s.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ listServices: '' });
    });
  } finally {
    client.close();
  }
}

describe('npm start (the demo: embedded platform, simulated clock, simulator)', () => {
  let demo: RunningProcess;
  let http: string;
  let grpcAddress: string;
  const key = { 'x-api-key': 'demo-key' };

  beforeAll(async () => {
    const [httpPort, grpcPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    http = `http://127.0.0.1:${httpPort}`;
    grpcAddress = `127.0.0.1:${grpcPort}`;
    // What `npm start` runs after setup, with a small portfolio played as fast as it goes.
    demo = startProcess('npm start demo', process.execPath, [join(REPO, 'scripts/start.mjs')], {
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      EMBEDDED_PG_PORT: String(pgPort),
      DEMO_ACCOUNTS: '8',
      DEMO_DAYS: '10',
      DEMO_SEED: '11',
      DEMO_DAY_MS: '0',
      LOG_LEVEL: 'error',
    });
  });

  afterAll(async () => {
    await demo.stop();
  });

  const printed = (text: string, timeoutMs: number) =>
    waitFor(
      () => {
        if (demo.child.exitCode !== null)
          throw new WaitAborted(`npm start exited with ${demo.child.exitCode}:\n${demo.output().slice(-4000)}`);
        return demo.output().includes(text);
      },
      { timeoutMs, intervalMs: 200, message: `npm start printing ${JSON.stringify(text)}` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- output ---\n${demo.output().slice(-4000)}`);
    });

  it('prints where to look once the platform is up', async () => {
    await printed('Collections platform (embedded, demo) is up', 300_000);
    const out = demo.output();
    expect(out).toContain(`REST     ${http}`);
    expect(out).toContain(`OpenAPI  ${http}/v1/ledger/openapi.json`);
    expect(out).toContain(`gRPC     ${grpcAddress}`);
    expect(out).toContain(`metrics  ${http}/metrics`);
    expect(out).toMatch(
      new RegExp(`report {3}${http.replace(/\./g, '\\.')}/v1/reporting/report\\.html\\?currency=[A-Z]{3} `),
    );
  });

  it('plays the demo portfolio day by day on the simulated clock, contacts reaching the catchers, and ends with the KPI table', async () => {
    await printed('Demo done.', 300_000);
    const out = demo.output();
    expect(out).toContain('day 1/10  2026-01-05');
    expect(out).toContain('day 10/10  2026-01-16');
    expect(out).toMatch(/contacts observed: .*email [1-9]/);
    expect(out).toContain('KPIs in ');
    const clock = (await (await fetch(`${http}/v1/platform/simulation/clock`, { headers: key })).json()) as {
      now: string;
    };
    expect(clock.now).toBe('2026-01-17T18:00:00.000Z');
  });

  it('keeps serving REST with its OpenAPI page, gRPC with server reflection, and metrics', async () => {
    const openapi = (await (await fetch(`${http}/v1/ledger/openapi.json`, { headers: key })).json()) as {
      openapi: string;
    };
    expect(openapi.openapi).toMatch(/^3\./);
    const reportUrl = /report {3}(\S+)/.exec(demo.output())?.[1] ?? '';
    const report = await fetch(reportUrl, { headers: key });
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('<svg');
    expect(await reflectedServices(grpcAddress)).toEqual(
      expect.arrayContaining(['collections.ledger.v1.LedgerService', 'collections.platform.v1.SimulationService']),
    );
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/collections_events_published_total\{[^}]*service="platform"\} [1-9]/);
  });
});
