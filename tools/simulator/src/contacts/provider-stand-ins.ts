import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ObservedContact } from '../model/behaviour';
import { ContactSource } from './contact-source';

/**
 * The SMS and WhatsApp providers the platform would call (Twilio's Messages resource, the
 * WhatsApp Cloud API), in the documented request and answer shapes, hosted by the simulator so
 * it sees every message the platform sends. The platform is pointed at it with the
 * orchestrator's TWILIO_* and WHATSAPP_* settings (`platformEnv`).
 */
export async function startProviderStandIns(
  recipient: (channel: 'sms' | 'whatsapp', to: string) => string | undefined,
) {
  const accountSid = `AC${'0'.repeat(32)}`;
  const authToken = randomBytes(16).toString('hex');
  const accessToken = randomBytes(16).toString('hex');
  const appSecret = randomBytes(16).toString('hex');
  const phoneNumberId = '100000000000001';
  let arrived: ObservedContact[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'POST' && path === `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
        if (req.headers.authorization !== 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64'))
          return answer(401, { code: 20003, message: 'Authenticate', status: 401 });
        const p = Object.fromEntries(new URLSearchParams(body).entries());
        const debtorId = p.To ? recipient('sms', p.To) : undefined;
        if (debtorId) arrived.push({ channel: 'sms', debtorId });
        const sid = 'SM' + randomBytes(16).toString('hex');
        return answer(201, { account_sid: accountSid, sid, to: p.To, body: p.Body ?? '', status: 'queued' });
      }
      if (req.method === 'POST' && new RegExp(`^/v\\d+\\.\\d+/${phoneNumberId}/messages$`).test(path)) {
        if (req.headers.authorization !== `Bearer ${accessToken}`)
          return answer(401, { error: { message: 'Invalid OAuth access token', type: 'OAuthException', code: 190 } });
        const m = JSON.parse(body || '{}') as { to?: string };
        const debtorId = m.to ? recipient('whatsapp', m.to) : undefined;
        if (debtorId) arrived.push({ channel: 'whatsapp', debtorId });
        return answer(200, {
          messaging_product: 'whatsapp',
          contacts: [{ input: m.to, wa_id: m.to }],
          messages: [{ id: `wamid.${randomBytes(12).toString('hex')}` }],
        });
      }
      answer(404, { code: 20404, message: 'The requested resource was not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const source: ContactSource = {
    name: 'sms and whatsapp stand-ins',
    collect: async () => {
      const out = arrived;
      arrived = [];
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return {
    source,
    /** The orchestrator's provider settings that send SMS and WhatsApp here. */
    platformEnv: {
      TWILIO_BASE_URL: url,
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM_NUMBERS: '+15005550006',
      WHATSAPP_BASE_URL: url,
      WHATSAPP_PHONE_NUMBER_ID: phoneNumberId,
      WHATSAPP_ACCESS_TOKEN: accessToken,
      WHATSAPP_APP_SECRET: appSecret,
      WHATSAPP_VERIFY_TOKEN: randomBytes(8).toString('hex'),
    },
  };
}
