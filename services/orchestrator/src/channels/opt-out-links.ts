import { EntityManager } from 'typeorm';
import { RateLimit, RateWindows, ServiceContext } from '@collections/runtime';
import { AgentTaskContactLaw } from '../agents/usecases/agent-task-contact-law';
import { ERASED } from '../decisions/erased';
import { addressHash } from '../dispatch/addresses';
import { recordAddressOwnersOptOut } from '../dispatch/contact-outcomes';
import { JURISDICTIONS, Jurisdiction } from '../policy/domain';
import { LOCALES, Locale, OptOutLinkChannel, OptOutLinkClaims, OptOutLinkSigner, localeFor } from '../templates/domain';
import { channelPii } from './channel-pii';
import { recordAddressOptOut } from './channel-records';

export interface OptOutLinkSettings {
  perClient: RateLimit;
  perToken: RateLimit;
}

/**
 * What a request to an opt-out link comes to: `valid` (the link holds: the page is shown, or the
 * opt-out recorded — again, for an address already opted out), `invalid` (altered, or not ours),
 * `unknown` (signed by us, but nothing of this tenant is sent to that address), or `rate-limited`.
 * `locale`: the one the link's e-mail was written in (its debtor's, `localeFor`), where the link
 * names a delivery whose debtor the service knows; the page speaks it. `channel`: a valid link's
 * (e-mail, or an SMS sent from a one-way sender), whose messages its pages name.
 */
export type OptOutLinkAnswer = (
  | { kind: 'valid'; channel: OptOutLinkChannel }
  | { kind: 'invalid' }
  | { kind: 'unknown' }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
) & { locale?: Locale };

/** What `channel_opt_out` says of an opt-out that came by the link (a STOP keeps the reply's text). */
const LINK_MESSAGE = 'opt-out link';

/**
 * The opt-out links of e-mails and of SMS sent from one-way senders (`/opt-out/{token}`, no API
 * key: the debtor clicks them; an SMS's opts its number out of SMS, as an e-mail's its address out
 * of e-mail). `view`
 * checks a link for its confirmation page and records nothing (mail scanners open links);
 * `record` (the page's button, or the mailbox's RFC 8058 one-click POST) opts the link's address
 * out of e-mail through the path a STOP reply takes: `channel_opt_out` and `channel_address` for
 * the address, `debtor_channel_opt_out` for each debtor it was sent to (the planner and the
 * send-time check refuse e-mail to them), their pending e-mails cancelled, OptOutRecorded. Only in
 * the link's tenant, and only for the address of the delivery it names (an e-mail's before version
 * 2 name the address's hash too, and are still honoured). Idempotent. Rate limited
 * per client address (before the token is read) and per link, in windows every replica shares.
 */
export class OptOutLinkUseCase {
  private readonly windows: RateWindows;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly signer: OptOutLinkSigner,
    private readonly settings: OptOutLinkSettings,
    /** The service's contact law on agents' tasks (an opt-out puts the debtor's tasks on the channel to it). */
    private readonly law: AgentTaskContactLaw,
  ) {
    this.windows = new RateWindows(
      'opt_out_rate_window',
      Math.max(settings.perClient.windowMs, settings.perToken.windowMs),
    );
  }

  async view(token: string, clientAddress: string): Promise<OptOutLinkAnswer> {
    const admitted = await this.admit(token, clientAddress);
    if ('kind' in admitted) return admitted;
    const known = await isKnown(this.ctx.dataSource.manager, admitted);
    // A link naming nothing sent names no debtor either: its page speaks the request's language.
    return known
      ? withLocale({ kind: 'valid', channel: admitted.channel }, await this.localeOf(admitted))
      : { kind: 'unknown' };
  }

  async record(token: string, clientAddress: string): Promise<OptOutLinkAnswer> {
    const admitted = await this.admit(token, clientAddress);
    if ('kind' in admitted) return admitted;
    const at = this.ctx.clock.now();
    const link = admitted;
    const fields = { tenantId: link.tenantId, deliveryId: link.deliveryId, channel: link.channel };
    const debtors = await this.ctx.dataSource.transaction(async (tx) => {
      if (!(await isKnown(tx, link))) return undefined;
      const recipient = await recipientOf(tx, link);
      // The delivery's recipient is the link's address unless its debtor was erased since.
      if (recipient)
        await recordAddressOptOut(
          tx,
          link.tenantId,
          link.channel,
          recipient,
          LINK_MESSAGE,
          `link:${link.deliveryId}`,
          at,
        );
      // An old link names the address's hash; a new one its delivery, whose recipient an erasure
      // may have removed (then no debtor is known at that address any more).
      const hash = link.addressHash ?? (recipient && addressHash(link.tenantId, link.channel, recipient));
      if (!hash) return 0;
      return recordAddressOwnersOptOut(
        tx,
        this.ctx.backbone.outbox,
        link.tenantId,
        link.channel,
        hash,
        at,
        `link:${link.deliveryId}`,
        this.law,
      );
    });
    if (debtors === undefined) {
      this.ctx.logger.warn(fields, 'an opt-out link signed by this service names nothing sent: nothing recorded');
      return { kind: 'unknown' };
    }
    this.ctx.logger.info(
      { ...fields, debtors },
      link.channel === 'sms'
        ? 'an SMS recipient opted out through the link in an SMS: no more SMS to that number in this tenant'
        : 'an e-mail recipient opted out through the link in an e-mail: no more e-mail to that address in this tenant',
    );
    return withLocale({ kind: 'valid', channel: link.channel }, await this.localeOf(link));
  }

  /** The locale the link's e-mail was written in: its account's primary debtor's, as `composeMessage` chose it. */
  private async localeOf(
    link: Pick<OptOutLinkClaims, 'tenantId' | 'channel' | 'deliveryId'>,
  ): Promise<Locale | undefined> {
    const [row] = (await this.ctx.dataSource.query(
      `SELECT p.language, p.country
         FROM channel_delivery d
         JOIN account_party a ON a.tenant_id = d.tenant_id AND a.account_id = COALESCE(d.account_id,
              (SELECT s.account_id FROM contact_schedule s WHERE s.tenant_id = d.tenant_id AND s.id::text = d.idempotency_key))
         JOIN debtor_profile p ON p.tenant_id = a.tenant_id AND p.debtor_id = a.debtor_id
        WHERE d.tenant_id = $1 AND d.channel = $2 AND d.idempotency_key = $3
        ORDER BY a.role LIMIT 1`,
      [link.tenantId, link.channel, link.deliveryId],
    )) as { language: string; country: string }[];
    if (!row) return undefined;
    const country = row.country.trim();
    const jurisdiction = (JURISDICTIONS as readonly string[]).includes(country) ? (country as Jurisdiction) : undefined;
    // With no jurisdiction on record (no e-mail is composed then), only a language the pages speak.
    if (jurisdiction) return localeFor(row.language, jurisdiction);
    const language = row.language.slice(0, 2).toLowerCase();
    return LOCALES.find((l) => l === language);
  }

  private async admit(token: string, clientAddress: string): Promise<OptOutLinkClaims | OptOutLinkAnswer> {
    const now = this.ctx.clock.now();
    const byClient = await this.limit(this.settings.perClient, `client:${clientAddress}`, null, now);
    if (byClient) return byClient;
    const verified = this.signer.verify(token);
    if (!verified.valid) {
      const keyId = verified.unconfiguredKeyId;
      if (keyId !== undefined)
        // Refused as an altered link is; the operator may have removed a key too soon.
        this.ctx.logger.warn(
          { reason: verified.reason, keyId },
          `an opt-out link signed under key id "${keyId}", which OPT_OUT_LINK_SECRET does not name, was refused (the key was removed while its e-mails' links are still clicked, or the link is not ours)`,
        );
      else
        this.ctx.logger.warn(
          { reason: verified.reason },
          'an opt-out link that is not ours (altered or made up) was refused',
        );
      return { kind: 'invalid' };
    }
    const byToken = await this.limit(this.settings.perToken, `token:${token}`, verified.tenantId, now);
    if (byToken) return withLocale(byToken, await this.localeOf(verified));
    const { tenantId, channel, addressHash: hash, deliveryId } = verified;
    return { tenantId, channel, deliveryId, ...(hash ? { addressHash: hash } : {}) };
  }

  private async limit(
    rate: RateLimit,
    key: string,
    tenantId: string | null,
    now: Date,
  ): Promise<OptOutLinkAnswer | undefined> {
    const { decision } = await this.windows.check(this.ctx.dataSource.manager, key, tenantId, rate, now);
    return decision.allowed ? undefined : { kind: 'rate-limited', retryAfterSeconds: decision.retryAfterSeconds };
  }
}

const withLocale = (answer: OptOutLinkAnswer, locale: Locale | undefined): OptOutLinkAnswer =>
  locale ? { ...answer, locale } : answer;

/**
 * Whether the link names something this tenant sent: its delivery, or (an old link, naming the
 * address's hash) a debtor at its address, found under each configured key.
 */
async function isKnown(tx: EntityManager, link: OptOutLinkClaims): Promise<boolean> {
  const [{ known }] = (await tx.query(
    `SELECT EXISTS (SELECT 1 FROM channel_delivery WHERE tenant_id = $1 AND channel = $2 AND idempotency_key = $3)
         OR EXISTS (SELECT 1 FROM contact_address_owner WHERE tenant_id = $1 AND channel = $2 AND address_hash = ANY($4::text[])) AS known`,
    [
      link.tenantId,
      link.channel,
      link.deliveryId,
      link.addressHash ? channelPii().addressKeysOfHash(link.addressHash) : [],
    ],
  )) as { known: boolean }[];
  return known;
}

/** The address the link's delivery went to (not erased; an old link's, only when it is the address it names). */
async function recipientOf(tx: EntityManager, link: OptOutLinkClaims): Promise<string | undefined> {
  const [row] = (await tx.query(
    `SELECT recipient_hash, recipient_enc FROM channel_delivery WHERE tenant_id = $1 AND channel = $2 AND idempotency_key = $3`,
    [link.tenantId, link.channel, link.deliveryId],
  )) as { recipient_hash: string; recipient_enc: Buffer | null }[];
  if (!row?.recipient_enc || row.recipient_hash === ERASED) return undefined;
  const pii = channelPii();
  // Under any configured key: a delivery the key rotation has not rewritten yet keeps the old key's.
  if (link.addressHash && !pii.addressKeysOfHash(link.addressHash).includes(row.recipient_hash)) return undefined;
  return pii.decrypt(row.recipient_enc);
}
