import { waitFor } from '@collections/testing';
import { SmtpEmailProvider, SubmissionLog, messageIdFor } from '../../src/channels/email/smtp-email.provider';
import { SmtpServer, startSmtpServer } from '../support/channel-stand-ins';
import { recordingSender } from '../support/recording-sender';

describe('email over SMTP against a real smtp-server process', () => {
  let smtp: SmtpServer;
  let provider: SmtpEmailProvider;
  const received = () => smtp.received();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    provider = smtp.provider();
  });

  afterAll(async () => {
    provider?.close();
    await smtp?.stop();
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
    const { sender, delays } = recordingSender(provider);
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

  it('submits a key once: a second send answers the first acceptance, a refused one may be sent again', async () => {
    const states = new Map<string, 'submitting' | 'accepted'>();
    const log: SubmissionLog = {
      begin: async (tenant, key) => {
        const state = states.get(`${tenant}/${key}`);
        if (!state) states.set(`${tenant}/${key}`, 'submitting');
        return state === undefined ? 'new' : state === 'accepted' ? 'accepted' : 'in-doubt';
      },
      accepted: async (tenant, key) => void states.set(`${tenant}/${key}`, 'accepted'),
      abandon: async (tenant, key) => void states.delete(`${tenant}/${key}`),
    };
    const once = smtp.provider({ submissions: log });
    try {
      const message = {
        idempotencyKey: 'row-7',
        tenantId: 'tenant-a',
        to: 'luis@example.com',
        subject: 's',
        body: 'b',
      };
      const first = await once.send(message);
      const second = await once.send(message);
      expect(second).toEqual(first);
      const id = messageIdFor(message, 'acreedor.example');
      await waitFor(() => received().some((m) => m.headers['message-id'] === id), { message: 'first message' });
      expect(received().filter((m) => m.headers['message-id'] === id)).toHaveLength(1);

      // Refused with 451: nothing was sent, so the next attempt sends — once.
      const flaky = { idempotencyKey: 'row-8', tenantId: 'tenant-a', to: 'luis@flaky.test', body: 'b' };
      expect(await once.send(flaky)).toMatchObject({ ok: false, failure: { kind: 'transient', code: '451' } });
      expect(await once.send(flaky)).toMatchObject({ ok: true });
      expect(await once.send(flaky)).toMatchObject({ ok: true });
      expect(received().filter((m) => m.to.includes('luis@flaky.test'))).toHaveLength(1);
    } finally {
      once.close();
    }
  });
});
