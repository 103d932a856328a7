import { DataSource, EntityManager } from 'typeorm';
import { SubmissionLog } from './smtp-email.provider';

/** The e-mail submission record in `email_submission` (see SubmissionLog). */
export class PgSubmissionLog implements SubmissionLog {
  constructor(
    private readonly db: DataSource | EntityManager,
    private readonly now: () => Date,
  ) {}

  async begin(tenantId: string, key: string, messageId: string): Promise<'new' | 'accepted' | 'in-doubt'> {
    const inserted = (await this.db.query(
      `INSERT INTO email_submission (tenant_id, idempotency_key, message_id, state, started_at)
       VALUES ($1, $2, $3, 'submitting', $4) ON CONFLICT DO NOTHING RETURNING state`,
      [tenantId, key, messageId, this.now()],
    )) as unknown[];
    if (inserted.length > 0) return 'new';
    // An earlier submission that never finished becomes `in-doubt` for good: taken as sent.
    const [row] = (await this.db.query(
      `WITH earlier AS (SELECT state FROM email_submission WHERE tenant_id = $1 AND idempotency_key = $2),
            doubted AS (UPDATE email_submission SET state = 'in-doubt', in_doubt_at = $3
                         WHERE tenant_id = $1 AND idempotency_key = $2 AND state = 'submitting' RETURNING state)
       SELECT coalesce((SELECT state FROM doubted), (SELECT state FROM earlier)) AS state`,
      [tenantId, key, this.now()],
    )) as { state: string | null }[];
    // Abandoned between the two statements: begin again.
    if (!row?.state) return this.begin(tenantId, key, messageId);
    return row.state === 'accepted' ? 'accepted' : 'in-doubt';
  }

  async accepted(tenantId: string, key: string): Promise<void> {
    await this.db.query(
      `UPDATE email_submission SET state = 'accepted', accepted_at = $3 WHERE tenant_id = $1 AND idempotency_key = $2`,
      [tenantId, key, this.now()],
    );
  }

  async abandon(tenantId: string, key: string): Promise<void> {
    await this.db.query(
      `DELETE FROM email_submission WHERE tenant_id = $1 AND idempotency_key = $2 AND state = 'submitting'`,
      [tenantId, key],
    );
  }
}
