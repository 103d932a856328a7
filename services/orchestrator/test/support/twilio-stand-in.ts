import { randomBytes } from 'node:crypto';
import { startTwilioResourceStandIn, twilioError, validTwilioTo } from './twilio-resource-stand-in';

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
  const standIn = await startTwilioResourceStandIn<TwilioMessage>({
    accountSid,
    authToken,
    resource: 'Messages',
    create: (_form, p) => {
      if (!p.To) return twilioError(400, 21604, "A 'To' phone number is required.");
      if (!p.From && !p.MessagingServiceSid)
        return twilioError(400, 21603, "A 'From' or 'MessagingServiceSid' is required.");
      if (!validTwilioTo(p.To)) return twilioError(400, 21211, `The 'To' number ${p.To} is not a valid phone number.`);
      return {
        sid: 'SM' + randomBytes(16).toString('hex'),
        to: p.To,
        from: p.From,
        messagingServiceSid: p.MessagingServiceSid,
        body: p.Body ?? '',
        statusCallback: p.StatusCallback,
      };
    },
    describe: (message) => ({
      to: message.to,
      from: message.from ?? null,
      messaging_service_sid: message.messagingServiceSid ?? null,
      body: message.body,
      status: 'queued',
      num_segments: '1',
      error_code: null,
      error_message: null,
    }),
  });
  const messages = standIn.created;

  return {
    url: standIn.url,
    messages,
    requests: standIn.requests,
    close: standIn.close,
    failNext: standIn.failNext,
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
      return standIn.signed(url ?? m.statusCallback ?? '', params);
    },
    inbound(url: string, from: string, to: string, body: string) {
      const sid = 'SM' + randomBytes(16).toString('hex');
      return standIn.signed(url, {
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
