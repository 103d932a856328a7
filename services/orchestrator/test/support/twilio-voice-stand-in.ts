import { randomBytes } from 'node:crypto';
import { twilioSignature } from '../../src/channels/domain';
import { startHttpStandIn } from './http-stand-in';

/**
 * Speaks Twilio's Calls resource as documented: POST /2010-04-01/Accounts/{AccountSid}/Calls.json,
 * form-encoded, basic auth, To + From + (Url | Twiml); 201 with the CA sid and status "queued";
 * 400 code 21211 for an invalid 'To'; 429 code 20429; scripted 5xx; call-progress status
 * callbacks (CallStatus, AnsweredBy, CallDuration) and the voice bot's <Gather input="speech">
 * action (SpeechResult, Confidence), both signed with X-Twilio-Signature.
 */
export interface TwilioCall {
  sid: string;
  to: string;
  from: string;
  url?: string;
  twiml?: string;
  statusCallback?: string;
  statusCallbackEvents: string[];
  machineDetection?: string;
}

export async function startTwilioVoiceStandIn(accountSid: string, authToken: string) {
  const calls: TwilioCall[] = [];
  const byKey = new Map<string, TwilioCall>();
  const scripted: { status: number; code: number; message: string; retryAfter?: string }[] = [];
  let requests = 0;

  const error = (status: number, code: number, message: string, headers?: Record<string, string>) => ({
    status,
    headers,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });

  const server = await startHttpStandIn((req) => {
    requests += 1;
    const path = `/2010-04-01/Accounts/${accountSid}/Calls.json`;
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
    const form = new URLSearchParams(req.body);
    const p = Object.fromEntries(form.entries());
    if (!p.To) return error(400, 21201, "No 'To' number is specified");
    if (!p.From) return error(400, 21213, "No 'From' number is specified");
    if (!p.Url && !p.Twiml && !p.ApplicationSid) return error(400, 21205, 'Url, Twiml or ApplicationSid is required');
    if (!/^\+[1-9]\d{7,14}$/.test(p.To) || p.To === '+15005550001')
      return error(400, 21211, `The 'To' number ${p.To} is not a valid phone number.`);
    const key = req.headers['idempotency-key'] as string | undefined;
    const known = key ? byKey.get(key) : undefined;
    const call: TwilioCall = known ?? {
      sid: 'CA' + randomBytes(16).toString('hex'),
      to: p.To,
      from: p.From,
      url: p.Url,
      twiml: p.Twiml,
      statusCallback: p.StatusCallback,
      statusCallbackEvents: form.getAll('StatusCallbackEvent'),
      machineDetection: p.MachineDetection,
    };
    if (!known) {
      calls.push(call);
      if (key) byKey.set(key, call);
    }
    return {
      status: 201,
      body: {
        account_sid: accountSid,
        sid: call.sid,
        to: call.to,
        to_formatted: call.to,
        from: call.from,
        from_formatted: call.from,
        status: 'queued',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        answered_by: null,
        duration: null,
        parent_call_sid: null,
        uri: `/2010-04-01/Accounts/${accountSid}/Calls/${call.sid}.json`,
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

  const callParams = (c: TwilioCall, status: string): Record<string, string> => ({
    AccountSid: accountSid,
    ApiVersion: '2010-04-01',
    CallSid: c.sid,
    CallStatus: status,
    Direction: 'outbound-api',
    From: c.from,
    To: c.to,
  });

  const find = (sid: string) => {
    const c = calls.find((x) => x.sid === sid);
    if (!c) throw new Error(`no call ${sid}`);
    return c;
  };

  return {
    url: server.url,
    calls,
    requests: () => requests,
    close: server.close,
    /** The next requests answer with these errors (e.g. 429/20429, 500/20500, 503). */
    failNext(...errors: { status: number; code: number; message?: string; retryAfter?: string }[]) {
      for (const e of errors) scripted.push({ message: 'scripted', ...e });
    },
    /** A call-progress callback: initiated, ringing, in-progress, completed, busy, no-answer, failed, canceled. */
    statusCallback(sid: string, status: string, extra: { answeredBy?: string; duration?: number; url?: string } = {}) {
      const c = find(sid);
      const params = callParams(c, status);
      if (extra.answeredBy) params.AnsweredBy = extra.answeredBy;
      if (status === 'completed') params.CallDuration = String(extra.duration ?? 42);
      return signed(extra.url ?? c.statusCallback ?? '', params);
    },
    /** The voice bot's <Gather input="speech"> action: what the debtor said, posted to `url`. */
    gatherResult(url: string, sid: string, speech: string, confidence = 0.92) {
      return signed(url, {
        ...callParams(find(sid), 'in-progress'),
        SpeechResult: speech,
        Confidence: String(confidence),
        Language: 'es-CO',
      });
    },
  };
}
