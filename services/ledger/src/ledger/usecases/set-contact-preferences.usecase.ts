import { ledger } from '@collections/contracts';
import { AppError } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { debtorUpserted } from '../debtor-upserted';
import { InconvenientTime, validInconvenientTimes } from '../domain/contact-preferences';
import { refuseErased } from '../domain/erasure';
import { requireLedgerText } from '../text-limits';

/** SetContactPreferences, checked when built: the debtor and the preferences that replace theirs. */
export class SetContactPreferencesCommand {
  private constructor(
    readonly tenantId: string,
    readonly debtorId: string,
    readonly inconvenientTimes: InconvenientTime[],
  ) {}

  static of(tenantId: string, r: ledger.SetContactPreferencesRequest): SetContactPreferencesCommand {
    if (!r.debtorId) throw AppError.invalid('debtor_id is required');
    requireLedgerText({ debtor_id: r.debtorId });
    const times = validInconvenientTimes(
      r.contactPreferences?.inconvenientTimes ?? [],
      'contact_preferences.inconvenient_times',
    );
    return new SetContactPreferencesCommand(tenantId, r.debtorId, times);
  }
}

interface DebtorFacts {
  time_zone: string;
  language: string;
  country: string;
  region: string;
  erased: boolean;
  changed: boolean;
}

/**
 * Replaces a debtor's contact preferences, and only them, under the debtor's row lock (the lock
 * UpsertDebtor's upsert and RecordConsent take: neither change is lost to the other). A change is
 * published as UpsertDebtor publishes one (DebtorUpserted, through the outbox in the same
 * transaction), with the debtor's other facts as stored: the orchestrator replaces its copy of the
 * debtor from each. Nothing personal is read: the names and contact values stay encrypted.
 */
export class SetContactPreferencesUseCase {
  constructor(private readonly ctx: ServiceContext) {}

  execute(c: SetContactPreferencesCommand): Promise<ledger.SetContactPreferencesResponse> {
    return this.ctx.dataSource.transaction(async (tx) => {
      const [debtor] = (await tx.query(
        `SELECT time_zone, language, country, region, erased_at IS NOT NULL AS erased,
                inconvenient_times IS DISTINCT FROM $3::jsonb AS changed
           FROM debtor WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
        [c.tenantId, c.debtorId, JSON.stringify(c.inconvenientTimes)],
      )) as DebtorFacts[];
      if (!debtor) throw AppError.notFound(`debtor ${c.debtorId} does not exist`);
      // Erased, the ledger keeps no preferences (the erasure cleared them) and the orchestrator no facts:
      // publishing some would bring the debtor back to it.
      if (debtor.erased) throw refuseErased(c.debtorId, 'no contact preferences are kept');
      if (!debtor.changed) return { changed: false };
      await tx.query(
        `UPDATE debtor SET inconvenient_times = $3::jsonb, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
        [c.tenantId, c.debtorId, JSON.stringify(c.inconvenientTimes)],
      );
      const points = (await tx.query(
        `SELECT type, consented_channels, workplace_forbidden FROM contact_point
          WHERE tenant_id = $1 AND debtor_id = $2 ORDER BY seq`,
        [c.tenantId, c.debtorId],
      )) as { type: string; consented_channels: string[]; workplace_forbidden: boolean }[];
      await this.ctx.backbone.outbox.add(tx, {
        type: 'collections.ledger.v1.DebtorUpserted',
        key: c.debtorId,
        tenantId: c.tenantId,
        payload: debtorUpserted(
          {
            debtorId: c.debtorId,
            timeZone: debtor.time_zone,
            language: debtor.language,
            country: debtor.country.trim(),
            region: debtor.region,
          },
          points.map((p) => ({
            type: p.type,
            consentedChannels: p.consented_channels,
            workplaceForbidden: p.workplace_forbidden,
          })),
          c.inconvenientTimes,
        ),
      });
      return { changed: true };
    });
  }
}
