import { randomBytes } from 'node:crypto';
import { twilioSignature } from '../../src/channels/domain';
import { startHttpStandIn } from './http-stand-in';

/**
 * Speaks Twilio's Messages resource as documented: POST /2010-04-01/Accounts/{AccountSid}/Messages.json,
 * form-encoded, basic auth; 201 with sid/status; 400 code 21211 for an invalid 'To'; 429 code 20429;
 * scripted 5xx; status callbacks and inbound messages signed with X-Twilio-Signature.
 */
export interface TwilioMessage {
  sid: string;
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  statusCallback?: string;
}

export async function startTwilioStandIn(accountSid: string, authToken: string) {
  const messages: TwilioMessage[] = [];
  const byKey = new Map<string, TwilioMessage>();
  const scripted: { status: number; code: number; message: string; retryAfter?: string }[] = [];
  let requests = 0;

  const error = (status: number, code: number, message: string, headers?: Record<string, string>) => ({
    status,
    headers,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });

  const server = await startHttpStandIn((req) => {
    requests += 1;
    const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
    if (req.method !== 'POST' || req.path !== path) return error(404, 20404, 'The requested resource was not found');
    const expected = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
    if (req.headers.authorization !== expected) return error(401, 20003, 'Authenticate');
    const next = scripted.shift();
    if (next)
      return error(
        next.status,
        next.code,
        next.message,
        next.retryAfter ? { 'retry-after': next.retryAfter } : undefined,
      );
    const p = Object.fromEntries(new URLSearchParams(req.body).entries());
    if (!p.To) return error(400, 21604, "A 'To' phone number is required.");
    if (!p.From && !p.MessagingServiceSid) return error(400, 21603, "A 'From' or 'MessagingServiceSid' is required.");
    if (!/^\+[1-9]\d{7,14}$/.test(p.To) || p.To === '+15005550001')
      return error(400, 21211, `The 'To' number ${p.To} is not a valid phone number.`);
    const key = req.headers['idempotency-key'] as string | undefined;
    const known = key ? byKey.get(key) : undefined;
    const message = known ?? {
      sid: 'SM' + randomBytes(16).toString('hex'),
      to: p.To,
      from: p.From,
      messagingServiceSid: p.MessagingServiceSid,
      body: p.Body ?? '',
      statusCallback: p.StatusCallback,
    };
    if (!known) {
      messages.push(message);
      if (key) byKey.set(key, message);
    }
    return {
      status: 201,
      body: {
        account_sid: accountSid,
        sid: message.sid,
        to: message.to,
        from: message.from ?? null,
        messaging_service_sid: message.messagingServiceSid ?? null,
        body: message.body,
        status: 'queued',
        num_segments: '1',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        error_code: null,
        error_message: null,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}.json`,
      },
    };
  });

  /** A signed request as Twilio would send it to `url`. */
  const signed = (url: string, params: Record<string, string>) => ({
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(authToken, url, params),
    },
    rawBody: new URLSearchParams(params).toString(),
  });

  return {
    url: server.url,
    messages,
    requests: () => requests,
    close: server.close,
    /** The next requests answer with these errors (e.g. 429/20429, 500/20500, 503). */
    failNext(...errors: { status: number; code: number; message?: string; retryAfter?: string }[]) {
      for (const e of errors) scripted.push({ message: 'scripted', ...e });
    },
    statusCallback(sid: string, status: string, url?: string, errorCode?: string) {
      const m = messages.find((x) => x.sid === sid);
      if (!m) throw new Error(`no message ${sid}`);
      const params: Record<string, string> = {
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        MessageSid: sid,
        SmsSid: sid,
        MessageStatus: status,
        SmsStatus: status,
        To: m.to,
        From: m.from ?? '',
      };
      if (errorCode) params.ErrorCode = errorCode;
      return signed(url ?? m.statusCallback ?? '', params);
    },
    inbound(url: string, from: string, to: string, body: string) {
      const sid = 'SM' + randomBytes(16).toString('hex');
      return signed(url, {
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        MessageSid: sid,
        SmsSid: sid,
        SmsMessageSid: sid,
        SmsStatus: 'received',
        From: from,
        To: to,
        Body: body,
        NumMedia: '0',
        NumSegments: '1',
      });
    },
  };
}
