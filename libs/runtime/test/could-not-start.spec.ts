import { couldNotStartLine } from '../src/standalone';

/** An error as node-postgres gives it for a value PostgreSQL could not read. */
function dataError(message: string): Error {
  return Object.assign(new Error(message), { code: '22P02', severity: 'ERROR', routine: 'string_to_uuid' });
}

describe(couldNotStartLine.name, () => {
  it('leaves out the value a PostgreSQL error quotes (a migration meeting a row), keeping what failed', () => {
    const line = couldNotStartLine('ledger', dataError('invalid input syntax for type uuid: "ana.perez@example.com"'));

    expect(line).toBe('ledger could not start: invalid input syntax for type uuid: "[redacted]"\n');
  });

  it('says everything of an error that quotes no personal data, such as a bad setting', () => {
    const line = couldNotStartLine('orchestrator', new Error('KAFKA_BROKERS must be set'));

    expect(line).toBe('orchestrator could not start: KAFKA_BROKERS must be set\n');
  });
});
