import {
  ChannelProvider,
  DeliveryStatus,
  OutboundMessage,
  SendResult,
  SharedRateBuckets,
  TenantSenders,
  TenantThrottles,
  WebhookEvent,
  WebhookRequest,
  WebhookWarn,
  isE164,
  verifyMetaSignature,
} from '../domain';
import { Fetch, retryAfterMs } from '../http';

export interface WhatsAppCloudConfig {
  /** https://graph.facebook.com in production; the stand-in's URL in tests. */
  baseUrl: string;
  /** Graph API version, e.g. "v21.0". */
  version: string;
  /**
   * The business number (Meta's phone number id) tenants without a number of their own send from;
   * without it such a tenant cannot send. A webhook change is applied only when its
   * `metadata.phone_number_id` is a number the URL's tenant sends from: the signature covers the
   * body, not the tenant in the URL, and the app secret signs changes of every number of the app.
   */
  phoneNumberId?: string;
  /** Tenant → its own business number (same app and token); its messages go out from it alone. */
  tenantPhoneNumberIds?: Readonly<Record<string, string>>;
  accessToken: string;
  /** Signs webhooks (X-Hub-Signature-256). */
  appSecret: string;
  /** Echoed back in the GET verification handshake. */
  verifyToken: string;
  /** Cloud API throughput per business number: 80 msg/s by default. */
  ratePerSecond?: number;
  now?: () => number;
  fetch?: Fetch;
}

/** The number cannot receive WhatsApp messages. */
const UNDELIVERABLE = new Set([131026, 131021, 131009]);
/** Throttled: back off and retry. */
const THROTTLED = new Set([4, 80007, 130429, 131048, 131056]);
/** Meta-side trouble worth a retry. */
const TEMPORARY = new Set([1, 2, 131000, 131016, 133004]);

interface GraphError {
  error?: { code?: number; message?: string; type?: string; error_subcode?: number; fbtrace_id?: string };
}

const STATUS: Record<string, DeliveryStatus | undefined> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
};

interface CloudWebhook {
  entry?: {
    changes?: {
      field?: string;
      value?: {
        /** The business number the change belongs to (Meta sends it with every `messages` change). */
        metadata?: { phone_number_id?: string; display_phone_number?: string };
        statuses?: { id: string; status: string; recipient_id?: string; errors?: { code: number }[] }[];
        messages?: {
          id: string;
          from: string;
          type: string;
          text?: { body: string };
          button?: { text: string };
          interactive?: { button_reply?: { title: string }; list_reply?: { title: string } };
        }[];
      };
    }[];
  }[];
}

/** WhatsApp through Meta's Cloud API: template messages, bearer token, signed webhooks. */
export class WhatsAppCloudProvider implements ChannelProvider {
  readonly channel = 'whatsapp' as const;
  private readonly numbers: TenantSenders;
  private readonly limiter: TenantThrottles;
  private readonly now: () => number;
  private readonly fetch: Fetch;

  constructor(private readonly config: WhatsAppCloudConfig) {
    const own = Object.entries(config.tenantPhoneNumberIds ?? {}).map(([tenant, id]) => [tenant, [id]] as const);
    this.numbers = new TenantSenders(Object.fromEntries(own), config.phoneNumberId ? [config.phoneNumberId] : []);
    if (!this.numbers.shared.length && !this.numbers.perTenant)
      throw new Error('WhatsApp needs a phone number id, shared or of a tenant');
    this.limiter = new TenantThrottles(this.numbers, 'whatsapp', config.ratePerSecond ?? 80);
    this.now = config.now ?? Date.now;
    this.fetch = config.fetch ?? fetch;
  }

  /** Keeps the numbers' token buckets in `buckets` (shared by the service's replicas) from now on. */
  useRateBuckets(buckets: SharedRateBuckets): void {
    this.limiter.useShared(buckets);
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (!isE164(message.to))
      return { ok: false, failure: { kind: 'invalid-recipient', code: 'e164', detail: 'not an E.164 number' } };
    if (!message.template)
      return {
        ok: false,
        failure: { kind: 'rejected', code: 'template', detail: 'business-initiated WhatsApp needs a template' },
      };
    const number = this.limiter.of(message.tenantId);
    if (!number)
      return {
        ok: false,
        failure: { kind: 'rejected', code: 'no-sender', detail: 'no WhatsApp business number for this tenant' },
      };
    const slot = await number.take(this.now());
    if (!slot.ok)
      return { ok: false, failure: { kind: 'rate-limited', code: 'local', retryAfterMs: slot.waitMs, local: true } };
    const parameters = message.template.parameters ?? [];
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: message.to.slice(1),
      type: 'template',
      // Echoed in the status webhooks: ties a receipt back to our idempotency key.
      biz_opaque_callback_data: message.idempotencyKey,
      template: {
        name: message.template.name,
        language: { code: message.template.language },
        components: parameters.length
          ? [{ type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) }]
          : [],
      },
    };
    const url = `${this.config.baseUrl}/${this.config.version}/${encodeURIComponent(slot.sender)}/messages`;
    let res: Response;
    try {
      res = await this.fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.config.accessToken}`,
          'content-type': 'application/json',
          'idempotency-key': `${message.tenantId}:${message.idempotencyKey}`,
        },
        body: JSON.stringify(body),
      });
    } catch (err) {
      return { ok: false, failure: { kind: 'transient', code: 'network', detail: String(err) } };
    }
    const answer = (await res.json().catch(() => ({}))) as GraphError & { messages?: { id: string }[] };
    const id = answer.messages?.[0]?.id;
    if (res.ok && id) return { ok: true, providerMessageId: id };
    const code = answer.error?.code ?? res.status;
    const detail = answer.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 429 || THROTTLED.has(code))
      return {
        ok: false,
        failure: {
          kind: 'rate-limited',
          code: String(code),
          retryAfterMs: retryAfterMs(res.headers.get('retry-after'), this.now()),
        },
      };
    if (UNDELIVERABLE.has(code))
      return { ok: false, failure: { kind: 'invalid-recipient', code: String(code), detail } };
    if (res.status >= 500 || TEMPORARY.has(code))
      return { ok: false, failure: { kind: 'transient', code: String(code), detail } };
    // 131047 (re-engagement window), template errors (132xxx), 100 (bad parameter), 190 (token): permanent.
    return { ok: false, failure: { kind: 'rejected', code: String(code), detail } };
  }

  /** GET handshake: the challenge to echo when mode and token match, else undefined (answer 403). */
  verifyHandshake(query: Record<string, string | undefined>): string | undefined {
    return query['hub.mode'] === 'subscribe' && query['hub.verify_token'] === this.config.verifyToken
      ? query['hub.challenge']
      : undefined;
  }

  verifySignature(request: WebhookRequest): boolean {
    return verifyMetaSignature(this.config.appSecret, request.rawBody, request.headers['x-hub-signature-256']);
  }

  /**
   * Statuses and inbound messages of the changes that belong to a number the URL's tenant sends
   * from (its own, else the shared one). A change of another number (another tenant's, another
   * app's, or naming none) is ignored and told to `warn`: answered 2xx all the same, so Meta does
   * not retry for days what we refuse on purpose.
   */
  parseWebhook(request: WebhookRequest, warn?: WebhookWarn): WebhookEvent[] {
    let payload: CloudWebhook;
    try {
      payload = JSON.parse(request.rawBody) as CloudWebhook;
    } catch {
      return [];
    }
    const events: WebhookEvent[] = [];
    for (const entry of payload.entry ?? [])
      for (const change of entry.changes ?? []) {
        const number = change.value?.metadata?.phone_number_id;
        if (typeof number !== 'string' || !this.numbers.of(request.tenantId).includes(number)) {
          // Other fields (template or account updates) carry no number and nothing we apply: no warning.
          if (!change.value?.statuses?.length && !change.value?.messages?.length) continue;
          warn?.(
            {
              // Meta's ids are digits; anything else in a signed body is not echoed into the log.
              phoneNumberId: typeof number === 'string' && /^\d{1,32}$/.test(number) ? number : null,
              statuses: change.value?.statuses?.length ?? 0,
              messages: change.value?.messages?.length ?? 0,
            },
            'WhatsApp webhook change for another business number ignored',
          );
          continue;
        }
        for (const s of change.value?.statuses ?? []) {
          const status = STATUS[s.status];
          if (status)
            events.push({
              kind: 'status',
              providerMessageId: s.id,
              status,
              recipient: s.recipient_id ? `+${s.recipient_id}` : undefined,
              errorCode: s.errors?.[0] ? String(s.errors[0].code) : undefined,
            });
        }
        for (const m of change.value?.messages ?? []) {
          const text =
            m.text?.body ?? m.button?.text ?? m.interactive?.button_reply?.title ?? m.interactive?.list_reply?.title;
          if (text !== undefined) events.push({ kind: 'inbound', providerMessageId: m.id, from: `+${m.from}`, text });
        }
      }
    return events;
  }
}
