import { Writable } from 'node:stream';
import { PinoNestLogger, createLogger, serializeError } from './logger';

/** Collects each JSON log line written by pino; pino writes synchronously to plain streams. */
function captureLines(): { destination: Writable; lines: () => Record<string, unknown>[]; raw: () => string } {
  let output = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString('utf8');
      done();
    },
  });
  return {
    destination,
    raw: () => output,
    lines: () =>
      output
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe(createLogger.name, () => {
  it('never prints debtor personal data nested in a log object', () => {
    const capture = captureLines();
    const sut = createLogger({ service: 'ledger', destination: capture.destination });

    sut.info({ debtor: { email: 'a@b.c', nationalId: '123', phoneNumber: '+57 300 000 0000' } }, 'debtor contacted');

    expect(capture.raw()).not.toContain('a@b.c');
    expect(capture.raw()).not.toContain('"123"');
    expect(capture.raw()).not.toContain('+57 300');
    expect(capture.lines()[0].debtor).toEqual({
      email: '[redacted]',
      nationalId: '[redacted]',
      phoneNumber: '[redacted]',
    });
  });

  it('redacts personal data at the top level and two levels deep', () => {
    const capture = captureLines();
    const sut = createLogger({ service: 'ledger', destination: capture.destination });

    sut.info({ fullName: 'Ana Pérez', account: { holder: { dateOfBirth: '1990-01-01', address: 'Calle 1' } } }, 'x');

    expect(capture.raw()).not.toContain('Ana Pérez');
    expect(capture.raw()).not.toContain('1990-01-01');
    expect(capture.raw()).not.toContain('Calle 1');
  });

  it('redacts a debtor as the contracts name its personal data: display name, contact points, a recipient', () => {
    const capture = captureLines();
    const sut = createLogger({ service: 'ledger', destination: capture.destination });

    sut.warn(
      {
        debtor: {
          debtorId: 'debtor-1',
          displayName: 'Ana Pérez',
          contactPoints: [{ type: 'phone', value: '+573001234567' }],
        },
        delivery: { recipient: 'ana@example.com' },
      },
      'x',
    );

    expect(capture.raw()).not.toContain('Ana Pérez');
    expect(capture.raw()).not.toContain('+573001234567');
    expect(capture.raw()).not.toContain('ana@example.com');
    expect(capture.lines()[0].debtor).toEqual({
      debtorId: 'debtor-1',
      displayName: '[redacted]',
      contactPoints: '[redacted]',
    });
  });

  it('writes JSON lines naming the service, with ISO timestamps and errors under err', () => {
    const capture = captureLines();
    const sut = createLogger({ service: 'scoring', destination: capture.destination });

    sut.error({ err: new Error('boom') }, 'scoring failed');

    const [line] = capture.lines();
    expect(line).toMatchObject({ service: 'scoring', level: 'error', msg: 'scoring failed' });
    expect(line.time).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/));
    expect(line.err).toMatchObject({ type: 'Error', message: 'boom' });
  });
});

/**
 * A PostgreSQL error as node-postgres builds it (fields as PostgreSQL 15 sent them for
 * `SELECT $1::uuid` given an e-mail address): the message, hence the stack, quotes the value.
 */
function postgresError(fields: { message: string; code: string; where?: string; detail?: string }): Error {
  const { message, ...rest } = fields;
  const err = new Error(message);
  err.name = 'error';
  err.stack = `error: ${message}\n    at Parser.parseErrorMessage (node_modules/pg-protocol/dist/parser.js:285:98)`;
  return Object.assign(err, { severity: 'ERROR', file: 'uuid.c', line: '133', routine: 'string_to_uuid', ...rest });
}

describe(serializeError.name, () => {
  const EMAIL = 'ana.perez@example.com';

  it('never logs the value a PostgreSQL data error quotes, in its message, its stack or where', () => {
    const capture = captureLines();
    const sut = createLogger({ service: 'ledger', destination: capture.destination });
    const err = postgresError({
      message: `invalid input syntax for type uuid: "${EMAIL}"`,
      code: '22P02',
      where: `COPY contact_point, line 3, column debtor_id: "${EMAIL}"`,
    });

    sut.error({ err }, 'unexpected request error');

    expect(capture.raw()).not.toContain('ana.perez');
    expect(capture.lines()[0].err).toMatchObject({
      message: 'invalid input syntax for type uuid: "[redacted]"',
      code: '22P02',
      where: '[redacted]',
    });
  });

  it('redacts the quoted value of a TypeORM error, its driver error, and an error that wraps it as its cause', () => {
    const capture = captureLines();
    const sut = createLogger({ service: 'ledger', destination: capture.destination });
    const message = 'value "3001234567" is out of range for type integer';
    const driverError = postgresError({ message, code: '22003', where: "unnamed portal parameter $1 = '...'" });
    // TypeORM's QueryFailedError: the driver's message, its fields copied, the statement's values.
    const queryFailed = Object.assign(new Error(message), {
      name: 'QueryFailedError',
      query: 'UPDATE debtor SET phone = $1 WHERE tenant_id = $2',
      parameters: ['3001234567', 'demo'],
      driverError,
      ...{ code: '22003', severity: 'ERROR', routine: 'pg_strtoint32' },
    });
    const wrapped = new Error('posting failed', { cause: queryFailed });

    sut.warn({ err: queryFailed }, 'a batch failed');
    sut.warn({ err: wrapped }, 'a batch failed');

    expect(capture.raw()).not.toContain('3001234567');
    expect(capture.lines()[0].err).toMatchObject({
      message: 'value "[redacted]" is out of range for type integer',
      query: 'UPDATE debtor SET phone = $1 WHERE tenant_id = $2',
      code: '22003',
      parameters: '[redacted]',
      driverError: { code: '22003', message: 'value "[redacted]" is out of range for type integer' },
    });
    expect(capture.lines()[1].err).toMatchObject({
      message: 'posting failed: value "[redacted]" is out of range for type integer',
    });
  });

  it('keeps the constraint a PostgreSQL integrity error names, its values being only in detail', () => {
    const capture = captureLines();
    const sut = createLogger({ service: 'ledger', destination: capture.destination });
    const err = postgresError({
      message: 'duplicate key value violates unique constraint "debtor_email_key"',
      code: '23505',
      detail: `Key (email)=(${EMAIL}) already exists.`,
    });

    sut.error({ err }, 'unexpected request error');

    expect(capture.raw()).not.toContain('ana.perez');
    expect(capture.lines()[0].err).toMatchObject({
      message: 'duplicate key value violates unique constraint "debtor_email_key"',
      code: '23505',
      detail: '[redacted]',
    });
  });

  it('leaves an error that is not PostgreSQL’s as it was thrown', () => {
    const capture = captureLines();
    const sut = createLogger({ service: 'ledger', destination: capture.destination });

    sut.error({ err: new Error('the ledger is unreachable: "connect ECONNREFUSED"') }, 'x');

    expect(capture.lines()[0].err).toMatchObject({ message: 'the ledger is unreachable: "connect ECONNREFUSED"' });
  });
});

describe(PinoNestLogger.name, () => {
  it('logs Nest framework messages with their context', () => {
    const capture = captureLines();
    const sut = new PinoNestLogger(createLogger({ service: 'ledger', destination: capture.destination }));

    sut.log('Mapped {/health, GET} route', 'RouterExplorer');
    sut.error('Unhandled', 'Error: x\n    at foo (bar.js:1:1)', 'ExceptionsHandler');

    expect(capture.lines()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'Mapped {/health, GET} route', context: 'RouterExplorer' }),
      expect.objectContaining({ level: 'error', msg: 'Unhandled', context: 'ExceptionsHandler' }),
    ]);
  });

  it('logs an error Nest hands it without the value a PostgreSQL message quotes, in the line’s text too', () => {
    const capture = captureLines();
    const sut = new PinoNestLogger(createLogger({ service: 'ledger', destination: capture.destination }));
    const err = postgresError({ message: 'invalid input syntax for type date: "Ana 1990-31-02"', code: '22007' });

    sut.error(err, 'ExceptionHandler');

    expect(capture.raw()).not.toContain('Ana');
    expect(capture.lines()[0]).toMatchObject({
      level: 'error',
      context: 'ExceptionHandler',
      msg: 'invalid input syntax for type date: "[redacted]"',
    });
  });
});
