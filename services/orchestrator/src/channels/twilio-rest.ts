import { SendResult } from './domain';
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
