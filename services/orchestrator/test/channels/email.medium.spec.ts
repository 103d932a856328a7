import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningProcess, startProcess, waitFor } from '@collections/testing';
import { InMemoryOutcomeStore, ReliableSender } from '../../src/channels/domain';
import { SmtpEmailProvider, messageIdFor } from '../../src/channels/email/smtp-email.provider';

interface Received {
  from: string;
  to: string[];
  headers: Record<string, string>;
  body: string;
}

describe('email over SMTP against a real smtp-server process', () => {
  let smtp: RunningProcess;
  let outFile: string;
  let provider: SmtpEmailProvider;

  const received = (): Received[] =>
    existsSync(outFile)
      ? readFileSync(outFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Received)
      : [];

  beforeAll(async () => {
    outFile = join(mkdtempSync(join(tmpdir(), 'smtp-')), 'received.jsonl');
    smtp = startProcess('smtp-server', process.execPath, [join(__dirname, '../support/smtp-server.mjs')], {
      SMTP_OUT: outFile,
    });
    const port = await waitFor(() => /LISTENING (\d+)/.exec(smtp.output())?.[1], {
      timeoutMs: 20_000,
      message: 'smtp-server listening',
    });
    provider = new SmtpEmailProvider({ host: '127.0.0.1', port: Number(port), from: 'cobros@acreedor.example' });
  });

  afterAll(async () => {
    provider?.close();
    await smtp?.stop(5_000);
  });

  it('delivers the message with its headers, body and a Message-ID from the idempotency key', async () => {
    const message = {
      idempotencyKey: 'decision-42',
      tenantId: 'tenant-a',
      to: 'ana@example.com',
      subject: 'Su saldo pendiente',
      body: 'Hola Ana, puede pagar en el enlace.',
    };
    const result = await provider.send(message);
    const expectedId = messageIdFor(message, 'acreedor.example');
    expect(result).toEqual({ ok: true, providerMessageId: expectedId });
    const mail = await waitFor(() => received().find((m) => m.headers['message-id'] === expectedId), {
      message: 'message recorded by the SMTP server',
    });
    expect(mail.from).toBe('cobros@acreedor.example');
    expect(mail.to).toEqual(['ana@example.com']);
    expect(mail.headers.subject).toBe('Su saldo pendiente');
    expect(mail.headers['x-idempotency-key']).toBe('decision-42');
    expect(mail.body).toContain('puede pagar en el enlace');
  });

  it('refuses a mailbox the server rejects as permanent, and the sender does not retry it', async () => {
    const delays: number[] = [];
    const sender = new ReliableSender(provider, {
      store: new InMemoryOutcomeStore(),
      delay: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
    });
    const outcome = await sender.send({ idempotencyKey: 'd-1', tenantId: 't', to: 'nobody@invalid.test', body: 'x' });
    expect(outcome).toMatchObject({ status: 'invalid-recipient', attempts: 1, failure: { code: '550' } });
    expect(delays).toEqual([]);
  });

  it('refuses a malformed address without talking to the server', async () => {
    const result = await provider.send({ idempotencyKey: 'd-2', tenantId: 't', to: 'not-an-address', body: 'x' });
    expect(result).toMatchObject({ ok: false, failure: { kind: 'invalid-recipient' } });
  });

  it('treats a 4xx answer as retryable', async () => {
    const result = await provider.send({ idempotencyKey: 'd-3', tenantId: 't', to: 'ana@tempfail.test', body: 'x' });
    expect(result).toMatchObject({ ok: false, failure: { kind: 'transient', code: '451' } });
  });
});
