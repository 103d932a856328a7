import { Writable } from 'node:stream';
import { PinoNestLogger, createLogger } from './logger';

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
});
