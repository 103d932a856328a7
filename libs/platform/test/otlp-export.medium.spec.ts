import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The exporter loads its HTTP agent with a dynamic import, which Jest's VM refuses: the
// service side runs in a real Node process, as it does in production.
const SERVICE = `
const { startTracing } = require(${JSON.stringify(join(__dirname, '..', 'dist'))});
const { trace } = require('@opentelemetry/api');
const handle = startTracing('otlp-spec');
trace.getTracer('spec').startSpan('collect a payment').end();
handle.shutdown().then(() => process.exit(0));
`;

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  it('exports finished spans to the collector over OTLP/HTTP', async () => {
    const received: { path?: string; bytes: number }[] = [];
    const collector = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => {
        received.push({ path: req.url, bytes });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    try {
      await promisify(execFile)(process.execPath, ['-e', SERVICE], {
        cwd: join(__dirname, '..'),
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn' },
      });
    } finally {
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
    expect(received).toHaveLength(1);
    expect(received[0].path).toBe('/v1/traces');
    expect(received[0].bytes).toBeGreaterThan(0);
  });
});
