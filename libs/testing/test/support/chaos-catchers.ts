import { createServer as createHttpServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Server, Socket, createServer } from 'node:net';

/** One message a catcher accepted: the channel, whom to, the sender's idempotency key, when. */
export interface CaughtContact {
  channel: 'email' | 'sms' | 'whatsapp';
  to: string;
  /** The orchestrator's idempotency key (e-mail: X-Idempotency-Key; SMS/WhatsApp: the Idempotency-Key header). */
  key: string;
  at: Date;
}

/**
 * A minimal SMTP receiver (RFC 5321's happy path: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
 * that keeps, for every message, its recipients and the sender's idempotency header. It sees
 * every attempt, retries included: a receiver does not deduplicate here, the test does.
 */
export async function startSmtpReceiver(onMessage: (c: CaughtContact) => void) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let inData = false;
    let data = '';
    let rcpt: string[] = [];
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 chaos-smtp ready');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          // The message ends at <CRLF>.<CRLF>, the first CRLF being the DATA line's own when the
          // message is empty. The client writes the terminator as a chunk of its own (nodemailer:
          // ".\r\n" after a message that ends with CRLF), which may arrive on its own: look for
          // it across everything received since DATA, not within one chunk.
          data += buffer;
          buffer = '';
          const end = `\r\n${data}`.indexOf('\r\n.\r\n');
          if (end < 0) return;
          buffer = data.slice(end + 3);
          data = data.slice(0, end);
          inData = false;
          const key = /^x-idempotency-key:\s*(.+)$/im.exec(data)?.[1]?.trim() ?? '';
          for (const to of rcpt) onMessage({ channel: 'email', to, key, at: new Date() });
          data = '';
          rcpt = [];
          reply('250 OK queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-chaos-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (verb === 'HELO') reply('250 chaos-smtp');
        else if (verb === 'MAIL') {
          rcpt = [];
          reply('250 OK');
        } else if (verb === 'RCPT') {
          rcpt.push((/<([^>]*)>/.exec(line)?.[1] ?? '').toLowerCase());
          reply('250 OK');
        } else if (verb === 'DATA') {
          inData = true;
          data = '';
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'RSET') {
          rcpt = [];
          reply('250 OK');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('250 OK');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_FROM: 'cobranza@chaos.example.com' },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Twilio- and WhatsApp-Cloud-shaped stand-ins that keep every request with its Idempotency-Key.
 * Like the real providers, a repeated key gets the first answer back and no second message.
 */
export async function startProviderStandIns(onMessage: (c: CaughtContact) => void) {
  const accountSid = `AC${'0'.repeat(32)}`;
  const authToken = randomBytes(16).toString('hex');
  const accessToken = randomBytes(16).toString('hex');
  const phoneNumberId = '100000000000001';
  const answered = new Map<string, unknown>();
  let repeatedKeys = 0;
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').split('?')[0];
      const key = String(req.headers['idempotency-key'] ?? '');
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const once = (channel: 'sms' | 'whatsapp', to: string, make: () => unknown) => {
        const seen = answered.get(`${channel}:${key}`);
        if (seen) {
          repeatedKeys += 1;
          return seen;
        }
        const first = make();
        answered.set(`${channel}:${key}`, first);
        onMessage({ channel, to, key, at: new Date() });
        return first;
      };
      if (req.method === 'POST' && path === `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
        const p = Object.fromEntries(new URLSearchParams(body).entries());
        return answer(
          201,
          once('sms', p.To ?? '', () => ({
            account_sid: accountSid,
            sid: 'SM' + randomBytes(16).toString('hex'),
            to: p.To,
            status: 'queued',
          })),
        );
      }
      if (req.method === 'POST' && new RegExp(`^/v\\d+\\.\\d+/${phoneNumberId}/messages$`).test(path)) {
        const m = JSON.parse(body || '{}') as { to?: string };
        return answer(
          200,
          once('whatsapp', m.to ?? '', () => ({
            messaging_product: 'whatsapp',
            contacts: [{ input: m.to, wa_id: m.to }],
            messages: [{ id: `wamid.${randomBytes(12).toString('hex')}` }],
          })),
        );
      }
      answer(404, { message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    /** Requests that repeated an idempotency key already answered (a provider absorbs them). */
    repeatedKeys: () => repeatedKeys,
    env: {
      TWILIO_BASE_URL: url,
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM_NUMBERS: '+15005550006',
      WHATSAPP_BASE_URL: url,
      WHATSAPP_PHONE_NUMBER_ID: phoneNumberId,
      WHATSAPP_ACCESS_TOKEN: accessToken,
      WHATSAPP_APP_SECRET: randomBytes(16).toString('hex'),
      WHATSAPP_VERIFY_TOKEN: randomBytes(8).toString('hex'),
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
