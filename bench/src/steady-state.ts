import { Client } from 'pg';

/**
 * Brings a database the bench just filled to the steady state a service runs in: tables with
 * statistics, as autovacuum gives them within a minute of real traffic. Without it, tables
 * filled moments ago are planned as if they were still empty, on plans that a running system
 * never sees (a journal's foreign-key checks, a batch's join against a whole tenant's rows).
 */
export async function analyzeDatabase(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}
