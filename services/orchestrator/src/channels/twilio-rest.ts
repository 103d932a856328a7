import { createLogger } from '@collections/platform';
import {
  OutboundMessage,
  SendCost,
  SendResult,
  SenderRate,
  SharedRateBuckets,
  TenantSenders,
  TenantThrottles,
  WebhookRequest,
  WebhookWarn,
  isE164,
  parseForm,
  verifyTwilioSignature,
} from './domain';
import { Fetch, retryAfterMs } from './http';

/** A Twilio account's REST credentials; `baseUrl` is https://api.twilio.com, or a stand-in's URL in tests. */
export interface TwilioAccount {
  baseUrl: string;
  accountSid: string;
  authToken: string;
}

/** What a resource's error codes mean for this kind of send. */
export interface TwilioErrorCodes {
  /** The number can never receive this kind of message. */
  invalidRecipient: ReadonlySet<number>;
  /** Refused for good for this message (opted out, blocked, permissions). */
  rejected: ReadonlySet<number>;
}

/**
 * Creates one Messages or Calls resource (form-encoded, basic auth, our idempotency key) and maps
 * Twilio's answer: 429/20429 rate-limited with its Retry-After, 5xx and network errors transient,
 * the resource's permanent codes invalid-recipient or rejected, any other 4xx rejected.
 */
export async function createTwilioResource(
  fetchFn: Fetch,
  account: TwilioAccount,
  resource: 'Messages' | 'Calls',
  form: URLSearchParams,
  idempotencyKey: string,
  now: () => number,
  codes: TwilioErrorCodes,
): Promise<SendResult> {
  const url = `${account.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(account.accountSid)}/${resource}.json`;
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64'),
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': idempotencyKey,
      },
      body: form.toString(),
    });
  } catch (err) {
    return { ok: false, failure: { kind: 'transient', code: 'network', detail: String(err) } };
  }
  const body = (await res.json().catch(() => ({}))) as { code?: number; message?: string; sid?: string };
  if (res.ok && body.sid) return { ok: true, providerMessageId: body.sid };
  const code = body.code ?? res.status;
  const detail = body.message ?? `HTTP ${res.status}`;
  if (res.status === 429 || code === 20429)
    return {
      ok: false,
      failure: {
        kind: 'rate-limited',
        code: String(code),
        retryAfterMs: retryAfterMs(res.headers.get('retry-after'), now()),
      },
    };
  if (res.status >= 500) return { ok: false, failure: { kind: 'transient', code: String(code), detail } };
  if (codes.invalidRecipient.has(code))
    return { ok: false, failure: { kind: 'invalid-recipient', code: String(code), detail } };
  if (codes.rejected.has(code) || res.status >= 400)
    return { ok: false, failure: { kind: 'rejected', code: String(code), detail } };
  return { ok: false, failure: { kind: 'transient', code: String(code), detail } };
}

/** What every Twilio provider is configured with. */
/**
 * A callback URL for one tenant's message: `{tenant}` in the configured URL becomes the message's
 * tenant (URL-encoded), e.g. `https://collect.example/webhooks/{tenant}/sms`. The webhook routes
 * take the tenant from the path, so one fixed URL would bring every tenant's receipts to the
 * tenant it names; a URL without the placeholder is used as it is (a single-tenant deployment).
 */
export function callbackFor(template: string, tenantId: string): string {
  return template.split('{tenant}').join(encodeURIComponent(tenantId));
}

export interface TwilioProviderConfig extends TwilioAccount {
  /**
   * Tenant → the numbers its messages (calls) go out from, instead of the shared ones. A webhook
   * about one of them (inbound: `To`; our outbound's status: `From`) counts for that tenant only.
   */
  tenantFrom?: Readonly<Record<string, readonly string[]>>;
  now?: () => number;
  fetch?: Fetch;
  /** Where the provider tells the operator what it could not do (never a number or a text); the service's log by default. */
  logger?: { warn(fields: object, message: string): void };
}

/**
 * What Twilio's SMS and voice providers share: the E.164 check and the caller-id slot a send starts
 * with, creating the resource under the tenant's idempotency key, the webhook signature check, and
 * the numbers each tenant sends from.
 */
export abstract class TwilioProvider {
  protected readonly now: () => number;
  protected readonly fetch: Fetch;

  /** The numbers each tenant sends from: its own (`tenantFrom`), else the shared pool. */
  protected readonly senders: TenantSenders;
  /** Each pool's buckets (the shared one's and each tenant's); the service attaches its database's. */
  protected readonly pools: TenantThrottles;
  private logger?: { warn(fields: object, message: string): void };

  protected constructor(
    private readonly account: TwilioProviderConfig,
    private readonly resource: 'Messages' | 'Calls',
    private readonly codes: TwilioErrorCodes,
    shared: readonly string[],
    ratePerSecond: SenderRate,
  ) {
    this.now = account.now ?? Date.now;
    this.fetch = account.fetch ?? fetch;
    this.senders = new TenantSenders(account.tenantFrom ?? {}, shared);
    this.pools = new TenantThrottles(this.senders, resource === 'Messages' ? 'sms' : 'call', ratePerSecond);
  }

  /** The configured logger, else the service's own, made the first time something is told. */
  protected get log(): { warn(fields: object, message: string): void } {
    return (this.logger ??= this.account.logger ?? createLogger({ service: 'orchestrator' }));
  }

  /** Keeps the pools' token buckets in `buckets` (shared by the service's replicas) from now on. */
  useRateBuckets(buckets: SharedRateBuckets): void {
    this.pools.useShared(buckets);
  }

  /**
   * Whether a webhook about our number `ours` (an inbound message's `To`, our outbound's `From`)
   * is another tenant's than the URL's, and so not applied; told to `warn` without the addresses.
   * Twilio signs the URL, tenant included; this binds the number as well.
   */
  protected anotherTenantsNumber(ours: string | undefined, request: WebhookRequest, warn?: WebhookWarn): boolean {
    if (ours === undefined || !this.senders.isAnotherTenants(ours, request.tenantId)) return false;
    warn?.(
      { numberTenant: this.senders.ownerOf(ours) ?? null },
      `Twilio ${this.resource === 'Messages' ? 'SMS' : 'call'} webhook for another tenant's number ignored`,
    );
    return true;
  }

  /**
   * The failure a send ends with before reaching Twilio, or the number to send the tenant's message
   * from: one of its pool (`viaService`: none, the Messaging Service picks). No pool and no service:
   * the tenant has no number to send from, which is final. `reaches`: the senders of the pool that
   * can reach this recipient (an SMS alphanumeric id cannot reach every country); none of them:
   * final too (`no-sender-for-recipient`), before any token is taken. `cost`: the tokens the message
   * takes from the sender it goes from (an SMS's segments of the body that sender sends; 1 by default).
   */
  protected async admit(
    message: OutboundMessage,
    viaService = false,
    reaches?: (sender: string) => boolean,
    cost?: SendCost,
  ): Promise<{ failure: SendResult } | { sender?: string }> {
    if (!isE164(message.to))
      return {
        failure: { ok: false, failure: { kind: 'invalid-recipient', code: 'e164', detail: 'not an E.164 number' } },
      };
    if (viaService) return {};
    const pool = this.pools.of(message.tenantId);
    if (!pool)
      return {
        failure: {
          ok: false,
          failure: { kind: 'rejected', code: 'no-sender', detail: 'no number to send from for this tenant' },
        },
      };
    if (reaches && !this.senders.of(message.tenantId).some(reaches))
      return {
        failure: {
          ok: false,
          failure: {
            kind: 'rejected',
            code: 'no-sender-for-recipient',
            detail: "none of this tenant's senders can reach the recipient's country",
          },
        },
      };
    const slot = await pool.take(this.now(), reaches, cost);
    if (!slot.ok)
      return {
        failure: {
          ok: false,
          failure: { kind: 'rate-limited', code: 'local', retryAfterMs: slot.waitMs, local: true },
        },
      };
    return { sender: slot.sender };
  }

  protected create(form: URLSearchParams, message: OutboundMessage): Promise<SendResult> {
    return createTwilioResource(
      this.fetch,
      this.account,
      this.resource,
      form,
      `${message.tenantId}:${message.idempotencyKey}`,
      this.now,
      this.codes,
    );
  }

  verifySignature(request: WebhookRequest): boolean {
    return verifyTwilioSignature(
      this.account.authToken,
      request.url,
      parseForm(request.rawBody),
      request.headers['x-twilio-signature'],
    );
  }
}
