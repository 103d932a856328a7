import { ledger } from '@collections/contracts';
import { InconvenientTime, workplaceForbiddenChannels } from './domain/contact-preferences';

/** A contact point as DebtorUpserted reads it: what it carries, never its value. */
export interface AnnouncedContactPoint {
  readonly type: string;
  readonly consentedChannels: readonly string[];
  readonly workplaceForbidden: boolean;
}

/**
 * DebtorUpserted of a debtor on record (not erased): its facts, the channels some contact point is
 * consented on, and its contact limits (the inconvenient times as stored, the channels whose every
 * contact point is a forbidden workplace). The orchestrator replaces its copy of the debtor from
 * each, so UpsertDebtor and SetContactPreferences announce a debtor from this one builder.
 */
export function debtorUpserted(
  debtor: { debtorId: string; timeZone: string; language: string; country: string; region: string },
  points: readonly AnnouncedContactPoint[],
  inconvenientTimes: readonly InconvenientTime[],
): ledger.DebtorUpserted {
  return {
    ...debtor,
    consentedChannels: [...new Set(points.flatMap((p) => p.consentedChannels))],
    erased: false,
    contactLimits: {
      inconvenientTimes: inconvenientTimes.map((t) => ({ ...t, channels: [...t.channels] })),
      workplaceForbiddenChannels: workplaceForbiddenChannels(points),
    },
  };
}
