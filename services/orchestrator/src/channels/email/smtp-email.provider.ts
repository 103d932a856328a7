import { createHash } from 'node:crypto';
import { createTransport, Transporter } from 'nodemailer';
import { ChannelProvider, OutboundMessage, SendResult, WebhookEvent, isEmailAddress } from '../domain';

export interface SmtpEmailConfig {
  host: string;
  port: number;
  from: string;
  /** Domain for Message-IDs (defaults to the sender's). */
  messageIdDomain?: string;
  secure?: boolean;
  auth?: { user: string; pass: string };
  /** Where each submission is recorded before and after the SMTP transaction (see SubmissionLog). */
  submissions?: SubmissionLog;
  /**
   * How long the dispatcher waits on the server: to connect, for its greeting, and for any answer
   * once connected (nodemailer's default for the last is ten minutes, during which the dispatcher,
   * which sends one contact at a time, would send nothing else). Defaults: `SMTP_TIMEOUTS`.
   */
  timeouts?: Partial<SmtpTimeouts>;
}

export interface SmtpTimeouts {
  connectionMs: number;
  greetingMs: number;
  /** Inactivity on an open connection, e.g. waiting for the answer to the message's final dot. */
  socketMs: number;
}

export const SMTP_TIMEOUTS: SmtpTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 60_000 };

/**
 * SMTP has no idempotency key: a server that accepted a message takes the same message again.
 * The provider records each submission, so a key is submitted once however often it is sent:
 * `begin` before the SMTP transaction (`new`, or what an earlier submission of the key came to),
 * `accepted` after the server's 250, `abandon` when the server refused it (a later send may try
 * again). A submission begun and never finished (`in-doubt`: the process died during the SMTP
 * transaction or before recording the 250) is taken as sent and not submitted again — at most
 * once: a dunning e-mail sent twice counts against the debtor's contact limits; one lost in that
 * instant is followed by the cadence's next step.
 */
export interface SubmissionLog {
  /**
   * `new` (recorded `submitting`), `accepted`, or `in-doubt`: an earlier submission of the key
   * never finished; the log now says `in-doubt` for good (a late refusal heard by the earlier
   * attempt no longer removes it) and the message counts as sent.
   */
  begin(tenantId: string, idempotencyKey: string, messageId: string): Promise<'new' | 'accepted' | 'in-doubt'>;
  accepted(tenantId: string, idempotencyKey: string): Promise<void>;
  abandon(tenantId: string, idempotencyKey: string): Promise<void>;
}

/** The Message-ID a message gets for its idempotency key: the same on every retry, so receivers can dedupe. */
export function messageIdFor(message: Pick<OutboundMessage, 'tenantId' | 'idempotencyKey'>, domain: string): string {
  const digest = createHash('sha256').update(`${message.tenantId}\n${message.idempotencyKey}`).digest('hex');
  return `<${digest.slice(0, 32)}@${domain}>`;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** Email over SMTP with nodemailer. SMTP has no signed webhooks here: bounces arrive by other ways. */
export class SmtpEmailProvider implements ChannelProvider {
  readonly channel = 'email' as const;
  private readonly transport: Transporter;
  private readonly domain: string;
  private submissions?: SubmissionLog;

  constructor(private readonly config: SmtpEmailConfig) {
    this.transport = createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure ?? false,
      ignoreTLS: !config.secure && !config.auth,
      auth: config.auth,
      connectionTimeout: config.timeouts?.connectionMs ?? SMTP_TIMEOUTS.connectionMs,
      greetingTimeout: config.timeouts?.greetingMs ?? SMTP_TIMEOUTS.greetingMs,
      socketTimeout: config.timeouts?.socketMs ?? SMTP_TIMEOUTS.socketMs,
    });
    this.domain = config.messageIdDomain ?? config.from.split('@')[1] ?? 'localhost';
    this.submissions = config.submissions;
  }

  /** The service attaches its database's log when the provider came without one. */
  useSubmissionLog(log: SubmissionLog): void {
    this.submissions ??= log;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (!isEmailAddress(message.to))
      return { ok: false, failure: { kind: 'invalid-recipient', code: 'address', detail: 'not an email address' } };
    const messageId = messageIdFor(message, this.domain);
    const log = this.submissions;
    const before = await log?.begin(message.tenantId, message.idempotencyKey, messageId);
    if (before === 'accepted' || before === 'in-doubt') return { ok: true, providerMessageId: messageId };
    try {
      await this.transport.sendMail({
        from: this.config.from,
        to: message.to,
        subject: message.subject ?? '',
        text: message.body ?? '',
        messageId,
        headers: {
          'X-Idempotency-Key': message.idempotencyKey,
          // RFC 8058: the receiver POSTs `List-Unsubscribe=One-Click` to the https URL.
          ...(message.unsubscribe ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
        },
        // One List-Unsubscribe header: the link first, then the mailto: (RFC 2369).
        ...(message.unsubscribe
          ? {
              list: {
                unsubscribe: [
                  [message.unsubscribe.url, ...(message.unsubscribe.mailto ? [message.unsubscribe.mailto] : [])],
                ],
              },
            }
          : {}),
      });
    } catch (raw) {
      // The server (or the connection) said no while this process was alive to hear it: not sent.
      await log?.abandon(message.tenantId, message.idempotencyKey);
      return smtpFailure(raw);
    }
    await log?.accepted(message.tenantId, message.idempotencyKey);
    return { ok: true, providerMessageId: messageId };
  }

  verifySignature(): boolean {
    return false;
  }

  parseWebhook(): WebhookEvent[] {
    return [];
  }

  close(): void {
    this.transport.close();
  }
}

/** What an SMTP refusal means: 5xx permanent (a refused mailbox invalid), 421/450/452 slow down, else retry. */
function smtpFailure(raw: unknown): SendResult {
  const err = raw as SmtpError;
  const code = err.responseCode;
  const detail = err.response ?? err.message ?? String(raw);
  if (code !== undefined && code >= 500) {
    // 550/551/553 on RCPT: the mailbox does not exist or is not accepted — permanent.
    if (err.code === 'EENVELOPE' && [550, 551, 553].includes(code))
      return { ok: false, failure: { kind: 'invalid-recipient', code: String(code), detail } };
    return { ok: false, failure: { kind: 'rejected', code: String(code), detail } };
  }
  if (code === 421 || code === 450 || code === 452)
    return { ok: false, failure: { kind: 'rate-limited', code: String(code) } };
  return { ok: false, failure: { kind: 'transient', code: String(code ?? err.code ?? 'error'), detail } };
}
