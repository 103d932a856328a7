import { DataSource } from 'typeorm';
import {
  Channel,
  DebtItemization,
  ItemizationReference,
  Jurisdiction,
  PastContact,
  isItemizationRefusal,
  itemizationDifference,
  itemizeDebt,
  validationPeriodEnd,
} from '../policy/domain';
import { RULE_PACKS } from '../policy/packs';
import { PlannerRepository, ScheduleRow } from '../planning/planner.repository';
import { DebtorContactFacts, PolicyVerdict, VALIDATION_NOTICE, checkPolicy } from '../planning/domain/contact-plan';
import {
  DEFAULT_TEMPLATES,
  Locale,
  MessageVariables,
  OptOutLinkSigner,
  PaymentLinkSigner,
  RenderedMessage,
  creditorIdentifiable,
  localeFor,
  renderMessage,
} from '../templates/domain';
import { creditorFor } from '../creditors/creditor-variables';
import { AccountActivitySource, ItemizationAsk } from './account-activity';
import { AddressKind, ContactDirectory, DebtorAddresses } from './contact-directory';

/** What a contact says to whom: read at the moment it goes out, never stored (names and addresses are PII). */
export interface MessageContent {
  readonly addresses: DebtorAddresses;
  readonly locale: Locale;
  readonly variables: MessageVariables;
  readonly rendered: RenderedMessage;
  /** E-mail: this delivery's own opt-out link, for the body and `List-Unsubscribe`. */
  readonly unsubscribe?: { readonly url: string; readonly mailto?: string };
}

export interface ContentSources {
  readonly dataSource: DataSource;
  readonly repo: PlannerRepository;
  readonly directory: ContactDirectory;
  readonly links: PaymentLinkSigner;
  /** Days a payment link stays valid. */
  readonly linkDays: number;
  /**
   * Signs each e-mail's opt-out link, and each SMS's for a one-way sender (OPT_OUT_URL,
   * OPT_OUT_LINK_SECRET, OPT_OUT_MAILTO); a signer without a base URL makes no SMS link.
   */
  readonly optOutLinks: OptOutLinkSigner;
  /** The ledger's account activity: a validation notice's itemization. */
  readonly activity: AccountActivitySource;
  /** Where a notice refused for its figures is told (ids and reasons, never PII). */
  readonly logger: { warn(fields: object, message: string): void };
}

/**
 * The only address the ledger has for the channel is at a workplace whose employer forbids
 * contact, and the debtor's rules bar it (`composeMessage`): the contact law's refusal, not a
 * missing address. The dispatcher records it as the law's decision (`workplaceVerdict`).
 */
export const WORKPLACE_FORBIDDEN = 'workplace-forbidden';

/** Why a contact has no message: see `composeMessage`. */
export type MissingContent =
  'no-template' | 'no-facts' | 'no-address' | typeof WORKPLACE_FORBIDDEN | 'no-creditor' | 'itemization-unreconciled';

/**
 * The contact's message for `channel`: the account's facts, the debtor's name and addresses from
 * the ledger, a signed payment link valid from `now`, the template in the debtor's locale, and
 * for an e-mail its own signed opt-out link (the row is the delivery; an SMS's too, in the text a
 * one-way sender sends: `RenderedMessage.oneWayBody`) — or why there is none
 * (`no-template`, `no-facts`, `no-address`: the ledger has none for the channel,
 * `workplace-forbidden`: its only one is at a workplace whose employer forbids contact and the
 * debtor's pack bars it there, or `no-creditor`: the debtor's pack wants the creditor
 * named on this channel and the tenant's creditor profile does not say enough). A validation
 * notice itemizes the debt from the ledger's answer at this moment, and is not composed when its
 * figures do not add up to the amount now (`itemization-unreconciled`, logged with the reason).
 */
export async function composeMessage(
  s: ContentSources,
  row: Pick<ScheduleRow, 'id' | 'tenant_id' | 'account_id' | 'debtor_id' | 'template'> & { step_id?: string },
  channel: Channel,
  now: Date,
): Promise<MessageContent | { missing: MissingContent }> {
  const template = DEFAULT_TEMPLATES[row.template];
  if (!template) return { missing: 'no-template' };
  const [account, debtor, instalment, returnedPayment] = await Promise.all([
    s.dataSource.query(
      `SELECT reference, balance_minor, currency, due_date FROM planner_account WHERE tenant_id = $1 AND account_id = $2`,
      [row.tenant_id, row.account_id],
    ) as Promise<AccountFactsRow[]>,
    s.repo.debtorOf(s.dataSource, row.tenant_id, row.account_id),
    row.step_id ? s.repo.instalmentOfStep(s.dataSource, row.tenant_id, row.account_id, row.step_id) : undefined,
    row.step_id ? s.repo.returnedPaymentOfStep(s.dataSource, row.tenant_id, row.account_id, row.step_id) : undefined,
  ]);
  if (!account[0] || !debtor?.jurisdiction) return { missing: 'no-facts' };
  const addresses = await s.directory.addressesOf(row.tenant_id, row.debtor_id);
  const to = addresses && addressFor(addresses, channel);
  if (!addresses || !to) return { missing: 'no-address' };
  const jurisdiction: Jurisdiction = debtor.jurisdiction;
  // The only address is at a workplace whose employer forbids contact, and the debtor's rules bar it
  // (US §1006.6(b)(3)): there is no address the law lets us use (the facts may lag the ledger).
  const workplace = (debtor.rules?.pack ?? RULE_PACKS[jurisdiction]).workplace;
  if (workplace?.channels.includes(channel) && addresses.workplaceForbidden?.includes(addressKindOf(channel)))
    return { missing: WORKPLACE_FORBIDDEN };
  const locale = localeFor(debtor.language, jurisdiction);
  const link = s.links.sign({
    tenantId: row.tenant_id,
    accountId: row.account_id,
    expiresAt: new Date(now.getTime() + s.linkDays * 86_400_000),
  });
  const optOut = channel === 'email' ? optOutLinkOf(s.optOutLinks, row) : undefined;
  // An SMS's link, for the sender that takes no reply (an alphanumeric id): its delivery, as e-mail's.
  const smsOptOut =
    channel === 'sms' && s.optOutLinks.baseUrl
      ? s.optOutLinks.sign({ tenantId: row.tenant_id, channel: 'sms', deliveryId: row.id }).url
      : undefined;
  const creditor = await creditorFor(s.dataSource, row.tenant_id, jurisdiction);
  const a = account[0];
  let variables: MessageVariables = {
    debtor: {
      firstName: addresses.fullName.split(/\s+/)[0] ?? addresses.fullName,
      fullName: addresses.fullName,
      timeZone: debtor.timeZone,
    },
    account: {
      reference: a.reference || row.account_id,
      balanceMinor: Number(a.balance_minor),
      currency: a.currency.trim(),
      dueDate: a.due_date,
    },
    paymentLink: { url: link.url, expiresAt: link.expiresAt },
    ...(instalment ? { instalment } : {}),
    ...(returnedPayment ? { returnedPayment } : {}),
    ...creditor.variables,
  };
  if (!creditorIdentifiable(debtor.rules?.pack ?? RULE_PACKS[jurisdiction], channel, variables))
    return { missing: 'no-creditor' };
  if (row.template === VALIDATION_NOTICE) {
    // Only a debt collector sends it: the profile names the collector and the creditor's contacts.
    if (!variables.collector || !variables.creditor) return { missing: 'no-creditor' };
    const periodEnd = validationPeriodEnd(now, debtor.timeZone, debtor.rules?.pack ?? RULE_PACKS[jurisdiction]);
    const activity = periodEnd
      ? await s.activity.activityOf(
          row.tenant_id,
          row.account_id,
          await itemizationAskOf(s, row, creditor.itemizationReference),
        )
      : undefined;
    if (!periodEnd || !activity) return { missing: 'no-facts' };
    const itemization = itemizeDebt(activity);
    if (isItemizationRefusal(itemization) || itemizationDifference(itemization) !== 0) {
      s.logger.warn(
        {
          tenantId: row.tenant_id,
          accountId: row.account_id,
          scheduleId: row.id,
          channel,
          itemizationDate: activity.itemizationDate,
          reason: isItemizationRefusal(itemization) ? itemization.detail : 'the itemization does not add up',
        },
        'validation notice not sent: the ledger’s figures for the account do not reconcile (amount on the itemization date + interest + fees − payments − credits ≠ the amount now); check the account’s entries since the itemization date in the ledger',
      );
      return { missing: 'itemization-unreconciled' };
    }
    await recordItemization(s, row, itemization);
    variables = { ...variables, validationNotice: { ...itemization, periodEnd } };
  }
  const rendered = renderMessage({
    template,
    locale,
    channel,
    // The tenant's pack (its override applied): an opt-out line it added is printed too.
    pack: debtor.rules?.pack ?? RULE_PACKS[jurisdiction],
    variables,
    optOutUrl: optOut?.url ?? s.optOutLinks.baseUrl,
    ...(smsOptOut !== undefined ? { oneWayOptOutUrl: smsOptOut } : {}),
  });
  return { addresses, locale, variables, rendered, ...(optOut ? { unsubscribe: optOut } : {}) };
}

/**
 * The itemization date a validation notice for the account asks of the ledger: the one of the
 * notice already sent for it, with its reference (§1006.34(b)(3): the same reference, used
 * consistently for the debt), else `preferred`, the tenant's choice on its creditor profile for the
 * debtor's country (`creditorFor`), with its fallbacks.
 */
async function itemizationAskOf(
  s: Pick<ContentSources, 'dataSource'>,
  row: Pick<ScheduleRow, 'tenant_id' | 'account_id'>,
  preferred: ItemizationReference,
): Promise<ItemizationAsk> {
  const [sent] = (await s.dataSource.query(
    `SELECT to_char(validation_notice_itemization_date, 'YYYY-MM-DD') AS date,
            validation_notice_itemization_reference AS reference
       FROM planner_account
      WHERE tenant_id = $1 AND account_id = $2 AND validation_notice_sent_at IS NOT NULL
        AND validation_notice_itemization_date IS NOT NULL`,
    [row.tenant_id, row.account_id],
  )) as { date: string; reference: ItemizationReference }[];
  if (sent) return { date: sent.date, reference: sent.reference };
  return { preferred };
}

/**
 * The itemization date and reference of the notice being composed, kept on the account while no
 * notice is sent for it: the last one composed before the dispatcher stamps
 * `validation_notice_sent_at` is the one sent, and from then on it stays (`itemizationAskOf`).
 */
async function recordItemization(
  s: Pick<ContentSources, 'dataSource'>,
  row: Pick<ScheduleRow, 'tenant_id' | 'account_id'>,
  itemization: DebtItemization,
): Promise<void> {
  await s.dataSource.query(
    `UPDATE planner_account SET validation_notice_itemization_date = $3, validation_notice_itemization_reference = $4
      WHERE tenant_id = $1 AND account_id = $2 AND validation_notice_sent_at IS NULL`,
    [row.tenant_id, row.account_id, itemization.itemizationDate, itemization.reference],
  );
}

interface AccountFactsRow {
  reference: string;
  balance_minor: string;
  currency: string;
  due_date: string;
}

/** The e-mail's opt-out link: the tenant and the delivery (whose record names the address); nothing of the address. */
function optOutLinkOf(
  links: OptOutLinkSigner,
  row: Pick<ScheduleRow, 'id' | 'tenant_id'>,
): { url: string; mailto?: string } {
  const link = links.sign({ tenantId: row.tenant_id, channel: 'email', deliveryId: row.id });
  const mailto = links.mailtoFor(link.token);
  return { url: link.url, ...(mailto ? { mailto } : {}) };
}

/**
 * The contact law on a contact made at the address the ledger gave, which is at a workplace whose
 * employer forbids contact (`WORKPLACE_FORBIDDEN`): the send-time check (`checkPolicy`) on the
 * debtor's facts with that workplace known, so the pack's workplace rule (US-WORKPLACE) refuses it
 * in its own words, as it does when the facts already know it (they may lag the ledger).
 */
export function workplaceVerdict(
  channel: Channel,
  facts: DebtorContactFacts,
  history: readonly PastContact[],
  at: Date,
  accountId: string,
): PolicyVerdict {
  const barred = facts.workplaceForbidden?.includes(channel)
    ? facts
    : { ...facts, workplaceForbidden: [...(facts.workplaceForbidden ?? []), channel] };
  return checkPolicy(channel, barred, history, at, accountId);
}

/** The kind of address a channel reaches the debtor at. */
export function addressKindOf(channel: Channel): AddressKind {
  return channel === 'email' ? 'email' : channel === 'letter' || channel === 'visit' ? 'postal' : 'phone';
}

/** The address a channel reaches the debtor at: e-mail, the phone (SMS, WhatsApp, calls), the postal address. */
export function addressFor(addresses: DebtorAddresses, channel: Channel): string | undefined {
  switch (channel) {
    case 'email':
      return addresses.email;
    case 'letter':
    case 'visit':
      return addresses.postal;
    default:
      return addresses.phone;
  }
}
