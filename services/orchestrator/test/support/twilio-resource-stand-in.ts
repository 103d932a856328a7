import { twilioSignature } from '../../src/channels/domain';
import { startHttpStandIn } from './http-stand-in';

type Answer = { status: number; headers?: Record<string, string>; body: unknown };

/** Twilio's error body, as its REST API answers a failed request. */
export const twilioError = (status: number, code: number, message: string, headers?: Record<string, string>) => ({
  status,
  headers,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

/**
 * What Twilio's Messages and Calls resources have in common, as documented: POST
 * /2010-04-01/Accounts/{AccountSid}/{resource}.json, form-encoded, basic auth (20003 otherwise),
 * 404/20404 elsewhere, scripted errors first (429/20429, 5xx), and one resource per Idempotency-Key.
 * `create` validates the form (an error answer) or makes the resource; `describe` is its 201 body.
 */
export async function startTwilioResourceStandIn<T extends { sid: string }>(options: {
  accountSid: string;
  authToken: string;
  resource: 'Messages' | 'Calls';
  create(form: URLSearchParams, p: Record<string, string>): T | Answer;
  describe(resource: T): Record<string, unknown>;
}) {
  const { accountSid, authToken, resource } = options;
  const created: T[] = [];
  const byKey = new Map<string, T>();
  const scripted: { status: number; code: number; message: string; retryAfter?: string }[] = [];
  let requests = 0;

  const server = await startHttpStandIn((req) => {
    requests += 1;
    const path = `/2010-04-01/Accounts/${accountSid}/${resource}.json`;
    if (req.method !== 'POST' || req.path !== path)
      return twilioError(404, 20404, 'The requested resource was not found');
    const expected = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
    if (req.headers.authorization !== expected) return twilioError(401, 20003, 'Authenticate');
    const next = scripted.shift();
    if (next)
      return twilioError(
        next.status,
        next.code,
        next.message,
        next.retryAfter ? { 'retry-after': next.retryAfter } : undefined,
      );
    const key = req.headers['idempotency-key'] as string | undefined;
    let made = key ? byKey.get(key) : undefined;
    if (!made) {
      const form = new URLSearchParams(req.body);
      const outcome = options.create(form, Object.fromEntries(form.entries()));
      if (!('sid' in outcome)) return outcome;
      made = outcome;
      created.push(made);
      if (key) byKey.set(key, made);
    }
    return {
      status: 201,
      body: {
        account_sid: accountSid,
        sid: made.sid,
        ...options.describe(made),
        direction: 'outbound-api',
        api_version: '2010-04-01',
        uri: `/2010-04-01/Accounts/${accountSid}/${resource}/${made.sid}.json`,
      },
    };
  });

  return {
    url: server.url,
    created,
    requests: () => requests,
    close: server.close,
    /** The next requests answer with these errors (e.g. 429/20429, 500/20500, 503). */
    failNext(...errors: { status: number; code: number; message?: string; retryAfter?: string }[]) {
      for (const e of errors) scripted.push({ message: 'scripted', ...e });
    },
    /** A request signed as Twilio would send it to `url`. */
    signed(url: string, params: Record<string, string>) {
      return {
        url,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature(authToken, url, params),
        },
        rawBody: new URLSearchParams(params).toString(),
      };
    },
  };
}

/** Twilio's test number that is never valid, and its E.164 check. */
export const validTwilioTo = (to: string) => /^\+[1-9]\d{7,14}$/.test(to) && to !== '+15005550001';
