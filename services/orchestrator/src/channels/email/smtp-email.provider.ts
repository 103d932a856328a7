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

  constructor(private readonly config: SmtpEmailConfig) {
    this.transport = createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure ?? false,
      ignoreTLS: !config.secure && !config.auth,
      auth: config.auth,
      connectionTimeout: 10_000,
    });
    this.domain = config.messageIdDomain ?? config.from.split('@')[1] ?? 'localhost';
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (!isEmailAddress(message.to))
      return { ok: false, failure: { kind: 'invalid-recipient', code: 'address', detail: 'not an email address' } };
    const messageId = messageIdFor(message, this.domain);
    try {
      await this.transport.sendMail({
        from: this.config.from,
        to: message.to,
        subject: message.subject ?? '',
        text: message.body ?? '',
        messageId,
        headers: { 'X-Idempotency-Key': message.idempotencyKey },
      });
      return { ok: true, providerMessageId: messageId };
    } catch (raw) {
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
