import { isBankruptcyChapter, isDebtorErasure, ledger } from '@collections/contracts';
import { EventHandlers, HandlerContext } from '@collections/messaging';
import { Clock, Logger } from '@collections/platform';
import { agentContactChannel } from '../agents/domain';
import { OWN_DISPUTE_HOLDS } from '../agents/dispute-hold';
import { AgentTaskContactLaw } from '../agents/usecases/agent-task-contact-law';
import { ContactRefusals } from '../planning/contact-refusals';
import { PlannerRepository } from '../planning/planner.repository';
import { eraseDebtorContactData } from './debtor-erasure';

export interface DebtorFactDependencies {
  /** The planner's repository (its cache of the tenants' packs); by default one of their own. */
  repo?: PlannerRepository;
  /** The service's clock (`ctx.clock`): the instant the law is asked at, and refusals are recorded at. */
  clock: Clock;
  /** The refusal counter of the decisions recorded. */
  refusals?: () => ContactRefusals | undefined;
  /** The service's logger (`ctx.logger`): what an operator must act on (a chapter this build does not know). */
  logger: Pick<Logger, 'warn'>;
}

/**
 * Keeps the debtor facts the contact law needs, from the ledger's events. A fact that may stop
 * contact for good (a hold set, a consent withdrawn, changed facts, an erasure) puts the debtor's
 * agent calls and visits to the law at once, in the same transaction (`AgentTaskContactLaw`):
 * those it now refuses for good are cancelled (AgentTaskCancelled), not left open until someone
 * claims or lists them.
 */
export function debtorFactHandlersOf(deps: DebtorFactDependencies): EventHandlers {
  const repo = deps.repo ?? new PlannerRepository();
  const clock = deps.clock;
  /** The law on the debtor's tasks, at the service clock's instant. */
  const sweep = (hc: HandlerContext) => ({
    law: new AgentTaskContactLaw(hc.outbox, deps.refusals?.(), repo),
    now: clock.now(),
  });
  return {
    'collections.ledger.v1.DebtorUpserted': async (event, hc) => {
      const { tx } = hc;
      const d = event.payload;
      if (!d.timeZone) {
        // An erased debtor: forget the facts, so nothing is sent until they are known again, and
        // every copy of their addresses and words this service kept (debtor-erasure.ts).
        await tx.query(`DELETE FROM debtor_profile WHERE tenant_id = $1 AND debtor_id = $2`, [
          event.tenantId,
          d.debtorId,
        ]);
        if (isDebtorErasure(d)) {
          await eraseDebtorContactData(tx, event.tenantId, d.debtorId);
          const { law, now } = sweep(hc);
          await law.cancelErasedDebtor(tx, event.tenantId, d.debtorId, now, event.id);
        }
        return;
      }
      await tx.query(
        `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country, region, consented_channels, language,
                                     inconvenient_times, workplace_forbidden_channels)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (tenant_id, debtor_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, country = EXCLUDED.country,
         region = EXCLUDED.region, consented_channels = EXCLUDED.consented_channels, language = EXCLUDED.language,
         inconvenient_times = EXCLUDED.inconvenient_times,
         workplace_forbidden_channels = EXCLUDED.workplace_forbidden_channels`,
        [
          event.tenantId,
          d.debtorId,
          d.timeZone,
          d.country,
          d.region,
          d.consentedChannels,
          d.language,
          // The debtor's own limits (the ledger validated them); a ledger before them sends none.
          JSON.stringify(inconvenientTimesOf(d.contactLimits?.inconvenientTimes)),
          d.contactLimits?.workplaceForbiddenChannels ?? [],
        ],
      );
      // Consents dropped or a country without a pack stop contact as a withdrawal does.
      const { law, now } = sweep(hc);
      await law.sweepDebtor(tx, event.tenantId, d.debtorId, now, { cause: 'debtor-facts', causedBy: event.id });
    },
    'collections.ledger.v1.ConsentChanged': async (event, hc) => {
      const { tx } = hc;
      const c = event.payload;
      await tx.query(`UPDATE debtor_profile SET consented_channels = $3 WHERE tenant_id = $1 AND debtor_id = $2`, [
        event.tenantId,
        c.debtorId,
        c.consentedChannels,
      ]);
      // A medium the debtor refuses is an opt-out wherever the law asks no prior consent (Regulation F
      // §1006.14(h)): the withdrawal stops that channel like a STOP reply does; consent given again
      // lifts it. (Where consent is required, the consented channels above already refuse it.)
      if (c.granted)
        await tx.query(`DELETE FROM debtor_channel_opt_out WHERE tenant_id = $1 AND debtor_id = $2 AND channel = $3`, [
          event.tenantId,
          c.debtorId,
          c.channel,
        ]);
      else
        await tx.query(
          `INSERT INTO debtor_channel_opt_out (tenant_id, debtor_id, channel, recorded_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
          [event.tenantId, c.debtorId, c.channel, event.time],
        );
      // A withdrawal stops that channel (no consent where the pack requires it, else an opt-out):
      // the debtor's calls or visits on it that the law now refuses for good are cancelled.
      const channel = agentContactChannel(c.channel);
      if (!c.granted && channel) {
        const { law, now } = sweep(hc);
        await law.sweepDebtor(
          tx,
          event.tenantId,
          c.debtorId,
          now,
          { cause: 'consent-withdrawn', causedBy: event.id },
          channel,
        );
      }
    },
    'collections.ledger.v1.HoldChanged': async (event, hc) => {
      const { tx } = hc;
      const h = event.payload;
      // A bankruptcy's chapter decides whether it stays collection from the account's other parties
      // (`coPartyHoldsSql`); none on record (0, a ledger before chapters) is NULL, and one told once
      // is kept. A chapter this build does not know (a newer ledger's, ts-proto's UNRECOGNIZED) is
      // stored as NULL too, and replaces one told before: the planner reads it as none on record,
      // which stops contact about the shared account (the strict reading; keeping an earlier chapter
      // 7 could let it go on). Not stored as told: the column is a smallint, and no reader knows it.
      // An operator is told, once per event, to update the service (or correct the ledger's data).
      const told = h.bankruptcyChapter || null;
      const unknown = told !== null && !isBankruptcyChapter(told);
      if (unknown)
        deps.logger.warn(
          { tenantId: event.tenantId, holdId: h.holdId, bankruptcyChapter: told, eventId: event.id },
          'a bankruptcy hold names a chapter this service does not know: stored as no chapter on record, so contact about the debtor’s shared accounts stays stopped; update the orchestrator or correct the hold in the ledger',
        );
      await tx.query(
        `INSERT INTO debtor_hold_state (tenant_id, hold_id, debtor_id, kind, active, bankruptcy_chapter)
         VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, hold_id) DO UPDATE SET active = EXCLUDED.active,
         bankruptcy_chapter = CASE WHEN $7 THEN NULL
           ELSE coalesce(EXCLUDED.bankruptcy_chapter, debtor_hold_state.bankruptcy_chapter) END`,
        [event.tenantId, h.holdId, h.debtorId, h.kind, h.active, unknown ? null : told, unknown],
      );
      if (h.kind === ledger.HoldKind.HOLD_KIND_DISPUTE && !h.active) {
        // The ledger resolved the debtor's dispute: the holds we opened on a dispute (a call's outcome,
        // a reply) end with it.
        await tx.query(
          `UPDATE debtor_hold_state SET active = false
            WHERE tenant_id = $1 AND debtor_id = $2 AND kind = $3 AND hold_id LIKE ANY($4::text[])`,
          [event.tenantId, h.debtorId, h.kind, OWN_DISPUTE_HOLDS.map((prefix) => `${prefix}%`)],
        );
      }
      // A hold stops every contact: the debtor's calls and visits the law now refuses are cancelled.
      if (h.active) {
        const { law, now } = sweep(hc);
        await law.sweepDebtor(tx, event.tenantId, h.debtorId, now, { cause: 'hold', causedBy: event.id });
      }
    },
    'collections.ledger.v1.AccountOpened': async (event, { tx }) => {
      for (const d of event.payload.debtors) {
        await tx.query(
          `INSERT INTO account_party (tenant_id, account_id, debtor_id, role, currency) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [
            event.tenantId,
            event.payload.accountId,
            d.debtorId,
            d.role || ledger.DebtorRole.DEBTOR_ROLE_PRIMARY,
            event.payload.currency,
          ],
        );
      }
    },
  };
}

/** The times as the contact law reads them (`InconvenientWindow`): no empty channel list. */
function inconvenientTimesOf(times: readonly ledger.InconvenientTime[] | undefined) {
  return (times ?? []).map((t) => ({
    day: t.day,
    from: t.from,
    to: t.to,
    ...(t.channels.length ? { channels: t.channels } : {}),
  }));
}
