import { ledger, orchestrator } from '@collections/contracts';
import {
  CHANNELS,
  Channel,
  Hold,
  JURISDICTIONS,
  Jurisdiction,
  PastContact,
  TenantRules,
  evaluate,
} from '../../policy/domain';
import { RULE_PACKS } from '../../policy/packs';

export interface DebtorFacts {
  timeZone: string;
  country: string;
  region: string;
  /** Channels with a recorded consent; empty: none recorded, so none authorised where the pack requires consent. */
  consentedChannels: string[];
  activeHolds: ledger.HoldKind[];
}

/** A channel a strategy chose, before the contact law has looked at it. */
export interface ContactChoice {
  channel: orchestrator.Channel;
  allowed: boolean;
  reasons: string[];
}

export interface CheckedContact {
  channel: orchestrator.Channel;
  allowed: boolean;
  reasons: string[];
  nextPermittedAt: Date | null;
}

const CHANNEL_NAMES: Partial<Record<orchestrator.Channel, Channel>> = {
  [orchestrator.Channel.CHANNEL_CALL]: 'call',
  [orchestrator.Channel.CHANNEL_SMS]: 'sms',
  [orchestrator.Channel.CHANNEL_WHATSAPP]: 'whatsapp',
  [orchestrator.Channel.CHANNEL_EMAIL]: 'email',
  [orchestrator.Channel.CHANNEL_LETTER]: 'letter',
  [orchestrator.Channel.CHANNEL_VISIT]: 'visit',
};

const HOLD_NAMES: Partial<Record<ledger.HoldKind, Hold>> = {
  [ledger.HoldKind.HOLD_KIND_DISPUTE]: 'dispute',
  [ledger.HoldKind.HOLD_KIND_BANKRUPTCY]: 'bankruptcy',
  [ledger.HoldKind.HOLD_KIND_DECEASED]: 'deceased',
  [ledger.HoldKind.HOLD_KIND_ATTORNEY]: 'attorney',
  [ledger.HoldKind.HOLD_KIND_CEASE_COMMUNICATION]: 'cease_communication',
  [ledger.HoldKind.HOLD_KIND_LITIGATION]: 'litigation',
};

/**
 * Puts the strategy's choice through the contact law of the debtor's jurisdiction, in the
 * debtor's time zone, with the account's earlier contacts: the same engine as the policy CLI.
 * Without the debtor's facts, or without a rule pack for the country, nothing is sent.
 */
export function checkContact(
  choice: ContactChoice,
  facts: DebtorFacts | undefined,
  history: PastContact[],
  at: Date,
  accountId: string,
  /** The tenant's rules for the debtor's country (`TenantRulePacks`); absent: the base pack. */
  rules?: TenantRules,
): CheckedContact {
  if (!choice.allowed) return { ...choice, nextPermittedAt: null };
  const channel = CHANNEL_NAMES[choice.channel];
  if (!channel)
    return {
      channel: choice.channel,
      allowed: false,
      reasons: ['no-channel: the strategy chose no channel'],
      nextPermittedAt: null,
    };
  if (!facts) {
    return {
      channel: choice.channel,
      allowed: false,
      reasons: ['no-debtor-facts: the debtor’s time zone and jurisdiction are not known yet'],
      nextPermittedAt: null,
    };
  }
  if (!(JURISDICTIONS as readonly string[]).includes(facts.country)) {
    return {
      channel: choice.channel,
      allowed: false,
      reasons: [`no-rule-pack: no contact rules for country ${facts.country}`],
      nextPermittedAt: null,
    };
  }
  const decision = evaluate(
    {
      timezone: facts.timeZone,
      region: facts.region || undefined,
      channel,
      at,
      debtId: accountId,
      history,
      consent: facts.consentedChannels.filter((c): c is Channel => (CHANNELS as readonly string[]).includes(c)),
      optedOut: [],
      holds: facts.activeHolds.map((h) => HOLD_NAMES[h]).filter((h): h is Hold => h !== undefined),
    },
    rules?.pack.jurisdiction === facts.country ? rules.pack : RULE_PACKS[facts.country as Jurisdiction],
  );
  return {
    channel: choice.channel,
    allowed: decision.allowed,
    reasons: decision.allowed ? choice.reasons : decision.reasons.map((r) => `${r.ruleId}: ${r.message}`),
    nextPermittedAt: decision.nextPermittedAt,
  };
}

export function channelName(channel: orchestrator.Channel): Channel | undefined {
  return CHANNEL_NAMES[channel];
}
