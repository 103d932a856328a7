import { randomBytes } from 'node:crypto';
import { startTwilioResourceStandIn, twilioError, validTwilioTo } from './twilio-resource-stand-in';

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
  const standIn = await startTwilioResourceStandIn<TwilioCall>({
    accountSid,
    authToken,
    resource: 'Calls',
    create: (form, p) => {
      if (!p.To) return twilioError(400, 21201, "No 'To' number is specified");
      if (!p.From) return twilioError(400, 21213, "No 'From' number is specified");
      if (!p.Url && !p.Twiml && !p.ApplicationSid)
        return twilioError(400, 21205, 'Url, Twiml or ApplicationSid is required');
      if (!validTwilioTo(p.To)) return twilioError(400, 21211, `The 'To' number ${p.To} is not a valid phone number.`);
      return {
        sid: 'CA' + randomBytes(16).toString('hex'),
        to: p.To,
        from: p.From,
        url: p.Url,
        twiml: p.Twiml,
        statusCallback: p.StatusCallback,
        statusCallbackEvents: form.getAll('StatusCallbackEvent'),
        machineDetection: p.MachineDetection,
      };
    },
    describe: (call) => ({
      to: call.to,
      to_formatted: call.to,
      from: call.from,
      from_formatted: call.from,
      status: 'queued',
      answered_by: null,
      duration: null,
      parent_call_sid: null,
    }),
  });
  const calls = standIn.created;
  const signed = standIn.signed;

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
    url: standIn.url,
    calls,
    requests: standIn.requests,
    close: standIn.close,
    failNext: standIn.failNext,
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
