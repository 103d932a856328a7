import { DataSource } from 'typeorm';
import { DeadLetterAdmin } from './dead-letters';
import { Outbox } from './outbox';
import { assertIdentifier } from './schema';

const USAGE = `usage: npm run dlq -- list <service> [--all] [--limit N]
       npm run dlq -- replay <service> <dead-letter-id>

Lists a service's dead letters (JSON, one per line) or replays one: the original record goes
back to its original topic through the service's outbox (published by the service's relay),
and the service's inbox forgets it so it is processed again; a dead letter a debtor's erasure
reached (erasedAt) has no record left and is refused. DATABASE_URL names the database;
DB_SCHEMA the service's schema when it is not the service name.`;

/** The dead-letter command: list and replay. Exit 2 on bad usage, 1 when the replay is refused. */
export async function deadLettersCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, service, ...rest] = argv;
  if (!service || (command !== 'list' && command !== 'replay') || (command === 'replay' && !rest[0])) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const schema = assertIdentifier(env.DB_SCHEMA ?? service);
  const ds = await new DataSource({
    type: 'postgres',
    url: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    poolSize: 2,
  }).initialize();
  try {
    const admin = new DeadLetterAdmin(ds, schema, new Outbox({ schema, source: `/collections/${service}` }));
    if (command === 'list') {
      const limitAt = rest.indexOf('--limit');
      const letters = await admin.list({
        includeReplayed: rest.includes('--all'),
        limit: limitAt >= 0 ? Number(rest[limitAt + 1]) : 100,
      });
      for (const letter of letters) process.stdout.write(`${JSON.stringify(letter)}\n`);
      process.stderr.write(`${letters.length} dead letter(s) in ${schema}\n`);
      return 0;
    }
    try {
      const replayed = await admin.replay(rest[0]);
      process.stdout.write(`${JSON.stringify(replayed)}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`replay refused: ${(err as Error).message}\n`);
      return 1;
    }
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  deadLettersCli(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
