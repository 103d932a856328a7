import { parentChecksPlannedPerStatement } from '@collections/runtime';
import { REFERENCES, journalCheck } from './1763900011900-ledger-journal-set-checks';

/**
 * The journal's set-based checks (a line's entry, an entry's or a statement's account exists:
 * LedgerJournalSetChecks1763900011900) are planned each time they run instead of once per session.
 *
 * PL/pgSQL plans a static statement the first time a session runs it and keeps that plan. A
 * session that first checked while the parent held a row or two saw several equally cheap
 * indexes that start with the tenant (account: its key, account_number, account_lower_id, ...;
 * journal_entry: its key, journal_entry_account, the idempotency key) and could keep one that is
 * not the key: a scan of every account or entry of the tenant for each new row, for as long as
 * the connection lived (test/journal-check-probe.medium.spec.ts: account_number, after 3,000
 * accounts). The importer's ANALYZE after its first chunks replanned its own session, and
 * autovacuum's replans every session once a table has grown by a tenth; until then, each posting
 * of a new database's first sessions read the whole tenant. Planned each time (EXECUTE), the probe
 * goes by the primary key as soon as the parent is more than a page or two; planning costs some
 * tens of microseconds a statement, not a row.
 */
export const LedgerJournalChecksPlannedPerStatement1763900012710 = parentChecksPlannedPerStatement(
  'LedgerJournalChecksPlannedPerStatement1763900012710',
  REFERENCES.map(journalCheck),
);
