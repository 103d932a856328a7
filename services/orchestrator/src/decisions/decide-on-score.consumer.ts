import { EntityManager } from 'typeorm';
import { ledger } from '@collections/contracts';
import { ConsumedEvent, EventHandlers, HandlerContext } from '@collections/messaging';
import { ServiceContext } from '@collections/runtime';
import { CALL_DISPUTE_HOLD } from '../agents/record-call-outcome';
import { PastContact } from '../policy/domain';
import { chooseNextContact } from './domain/next-contact';
import { DebtorFacts, channelName, checkContact } from './domain/policy-check';

async function debtorFactsFor(
  tx: EntityManager,
  tenantId: string,
  accountId: string,
): Promise<DebtorFacts | undefined> {
  const [profile] = (await tx.query(
    `SELECT p.debtor_id, p.time_zone, p.country, p.region, p.consented_channels
       FROM account_party a JOIN debtor_profile p ON p.tenant_id = a.tenant_id AND p.debtor_id = a.debtor_id
      WHERE a.tenant_id = $1 AND a.account_id = $2 ORDER BY a.role LIMIT 1`,
    [tenantId, accountId],
  )) as { debtor_id: string; time_zone: string; country: string; region: string; consented_channels: string[] }[];
  if (!profile) return undefined;
  const holds = (await tx.query(
    `SELECT kind FROM debtor_hold_state WHERE tenant_id = $1 AND debtor_id = $2 AND active`,
    [tenantId, profile.debtor_id],
  )) as { kind: number }[];
  return {
    timeZone: profile.time_zone,
    country: profile.country.trim(),
    region: profile.region,
    consentedChannels: profile.consented_channels,
    activeHolds: holds.map((h) => h.kind),
  };
}

async function contactHistory(tx: EntityManager, tenantId: string, accountId: string): Promise<PastContact[]> {
  const rows = (await tx.query(
    `SELECT channel, decided_at FROM contact_decision WHERE tenant_id = $1 AND account_id = $2 AND allowed ORDER BY decided_at`,
    [tenantId, accountId],
  )) as { channel: number; decided_at: Date }[];
  return rows.flatMap((r) => {
    const channel = channelName(r.channel);
    return channel ? [{ channel, at: r.decided_at, outcome: 'attempted' as const, debtId: accountId }] : [];
  });
}

/** Decides the next contact whenever an account is scored, within the contact law, and publishes it. */
export async function decideOnScore(
  ctx: ServiceContext,
  event: ConsumedEvent<'collections.scoring.v1.AccountScored'>,
  { tx, outbox }: HandlerContext,
): Promise<void> {
  const accountId = event.payload.accountId;
  const decidedAt = ctx.clock.now();
  const choice = chooseNextContact(event.payload.segment);
  const checked = checkContact(
    choice,
    await debtorFactsFor(tx, event.tenantId, accountId),
    await contactHistory(tx, event.tenantId, accountId),
    decidedAt,
    accountId,
  );
  const [{ id }] = (await tx.query(
    `INSERT INTO contact_decision (tenant_id, account_id, channel, allowed, reasons, decided_at, caused_by_event, next_permitted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      event.tenantId,
      accountId,
      checked.channel,
      checked.allowed,
      checked.reasons,
      decidedAt,
      event.id,
      checked.nextPermittedAt,
    ],
  )) as { id: string }[];
  await outbox.add(tx, {
    type: 'collections.orchestrator.v1.ContactDecision',
    key: accountId,
    tenantId: event.tenantId,
    time: decidedAt,
    payload: {
      decisionId: id,
      accountId,
      channel: checked.channel,
      allowed: checked.allowed,
      reasons: checked.reasons,
      decidedAt,
      nextPermittedAt: checked.nextPermittedAt ?? undefined,
    },
  });
}

/** Keeps the debtor facts the contact law needs, from the ledger's events. */
export const debtorFactHandlers: EventHandlers = {
  'collections.ledger.v1.DebtorUpserted': async (event, { tx }) => {
    const d = event.payload;
    if (!d.timeZone) {
      // An erased debtor: forget the facts, so nothing is sent until they are known again.
      await tx.query(`DELETE FROM debtor_profile WHERE tenant_id = $1 AND debtor_id = $2`, [
        event.tenantId,
        d.debtorId,
      ]);
      return;
    }
    await tx.query(
      `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country, region, consented_channels) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, debtor_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, country = EXCLUDED.country,
         region = EXCLUDED.region, consented_channels = EXCLUDED.consented_channels`,
      [event.tenantId, d.debtorId, d.timeZone, d.country, d.region, d.consentedChannels],
    );
  },
  'collections.ledger.v1.ConsentChanged': async (event, { tx }) => {
    await tx.query(`UPDATE debtor_profile SET consented_channels = $3 WHERE tenant_id = $1 AND debtor_id = $2`, [
      event.tenantId,
      event.payload.debtorId,
      event.payload.consentedChannels,
    ]);
  },
  'collections.ledger.v1.HoldChanged': async (event, { tx }) => {
    const h = event.payload;
    await tx.query(
      `INSERT INTO debtor_hold_state (tenant_id, hold_id, debtor_id, kind, active) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, hold_id) DO UPDATE SET active = EXCLUDED.active`,
      [event.tenantId, h.holdId, h.debtorId, h.kind, h.active],
    );
    if (h.kind === ledger.HoldKind.HOLD_KIND_DISPUTE && !h.active) {
      // The ledger resolved the debtor's dispute: the holds opened on a call's dispute outcome end with it.
      await tx.query(
        `UPDATE debtor_hold_state SET active = false WHERE tenant_id = $1 AND debtor_id = $2 AND kind = $3 AND hold_id LIKE $4`,
        [event.tenantId, h.debtorId, h.kind, `${CALL_DISPUTE_HOLD}%`],
      );
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
