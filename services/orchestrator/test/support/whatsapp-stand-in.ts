import { randomBytes } from 'node:crypto';
import { metaSignature } from '../../src/channels/domain';
import { startHttpStandIn } from './http-stand-in';

/**
 * Speaks the WhatsApp Cloud API as documented: POST /{version}/{phone-number-id}/messages with a
 * bearer token and a template message; {messages:[{id}]} on success, {error:{code, message, type,
 * fbtrace_id}} on failure (131026 undeliverable, 130429 throughput, 131047 re-engagement, 5xx);
 * webhooks signed with X-Hub-Signature-256.
 */
export interface SentTemplate {
  id: string;
  phoneNumberId: string;
  to: string;
  template: { name: string; language: { code: string }; components: unknown[] };
  bizOpaque?: string;
}

export async function startWhatsAppStandIn(opts: { token: string; appSecret: string; undeliverable?: string[] }) {
  const sent: SentTemplate[] = [];
  const byKey = new Map<string, SentTemplate>();
  const scripted: { status: number; code: number; message?: string }[] = [];
  let requests = 0;

  const error = (status: number, code: number, message: string, type = 'OAuthException') => ({
    status,
    body: {
      error: { message, type, code, error_data: { details: message }, fbtrace_id: randomBytes(8).toString('hex') },
    },
  });

  const server = await startHttpStandIn((req) => {
    requests += 1;
    const match = /^\/(v\d+\.\d+)\/([^/]+)\/messages$/.exec(req.path);
    if (req.method !== 'POST' || !match) return error(400, 100, 'Unsupported request', 'GraphMethodException');
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return error(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    const next = scripted.shift();
    if (next) return error(next.status, next.code, next.message ?? 'scripted');
    const body = JSON.parse(req.body) as {
      messaging_product?: string;
      to?: string;
      type?: string;
      template?: SentTemplate['template'];
      biz_opaque_callback_data?: string;
    };
    if (body.messaging_product !== 'whatsapp' || !body.to || body.type !== 'template' || !body.template?.name)
      return error(400, 100, '(#100) Invalid parameter');
    if (opts.undeliverable?.includes(body.to)) return error(400, 131026, 'Message undeliverable');
    const key = req.headers['idempotency-key'] as string | undefined;
    const known = key ? byKey.get(key) : undefined;
    const message = known ?? {
      id: 'wamid.' + randomBytes(24).toString('base64url'),
      phoneNumberId: match[2],
      to: body.to,
      template: body.template,
      bizOpaque: body.biz_opaque_callback_data,
    };
    if (!known) {
      sent.push(message);
      if (key) byKey.set(key, message);
    }
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: body.to, wa_id: body.to }],
        messages: [{ id: message.id, message_status: 'accepted' }],
      },
    };
  });

  const signed = (url: string, phoneNumberId: string, value: Record<string, unknown>) => {
    const rawBody = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA_ID',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550001234', phone_number_id: phoneNumberId },
                ...value,
              },
            },
          ],
        },
      ],
    });
    return {
      url,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(opts.appSecret, rawBody) },
      rawBody,
    };
  };

  return {
    url: server.url,
    sent,
    requests: () => requests,
    close: server.close,
    failNext(...errors: { status: number; code: number; message?: string }[]) {
      scripted.push(...errors);
    },
    statusWebhook(url: string, id: string, status: 'sent' | 'delivered' | 'read' | 'failed', errorCode?: number) {
      const m = sent.find((x) => x.id === id);
      if (!m) throw new Error(`no message ${id}`);
      return signed(url, m.phoneNumberId, {
        statuses: [
          {
            id,
            status,
            timestamp: '1767225600',
            recipient_id: m.to,
            biz_opaque_callback_data: m.bizOpaque,
            ...(errorCode ? { errors: [{ code: errorCode, title: 'failed' }] } : {}),
          },
        ],
      });
    },
    inboundWebhook(url: string, phoneNumberId: string, from: string, text: string) {
      return signed(url, phoneNumberId, {
        contacts: [{ profile: { name: 'Debtor' }, wa_id: from }],
        messages: [
          {
            from,
            id: 'wamid.' + randomBytes(24).toString('base64url'),
            timestamp: '1767225600',
            type: 'text',
            text: { body: text },
          },
        ],
      });
    },
  };
}
