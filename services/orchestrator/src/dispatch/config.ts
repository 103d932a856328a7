import { int, loadConfig, optional, str } from '@collections/platform';

/** The dispatcher's settings (letters, field visits, how many debtors at once), read once at boot. */
export function loadDispatchConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      letters: {
        // Where the daily print-vendor files go; letter steps have no route without it.
        directory: optional(str('LETTER_EXPORT_DIR')),
        // The zone of the batch day and of the export hour.
        timeZone: str('LETTER_EXPORT_TIME_ZONE', { default: 'UTC' }),
        // The local hour from which the day's batch is cut.
        hour: int('LETTER_EXPORT_HOUR', { default: 17, min: 0, max: 23 }),
        // How often the export looks at the clock (0: only on demand).
        checkMs: int('ORCHESTRATOR_LETTER_EXPORT_CHECK_MS', { default: 15 * 60_000, min: 0 }),
      },
      // The agent queue that field visits go to.
      fieldVisitQueue: str('ORCHESTRATOR_FIELD_VISIT_QUEUE', { default: 'field-visits' }),
      // Debtors the dispatcher sends to side by side (each holds at most one of DB_POOL_SIZE connections).
      concurrency: int('ORCHESTRATOR_DISPATCH_CONCURRENCY', { default: 4, min: 1, max: 64 }),
    },
    env,
  );
}
