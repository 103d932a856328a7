import { Writable } from 'node:stream';
import { ledger } from '@collections/contracts';
import { GrpcErrorFilter, HttpErrorFilter, createLogger } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { PiiCipher } from '../src/ledger/pii';
import { AccountsUseCase } from '../src/ledger/usecases/accounts.usecase';

/** The JSON lines a logger wrote, as one string (pino writes synchronously to a plain stream). */
function capturedLog(): { destination: Writable; text: () => string } {
  let output = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString('utf8');
      done();
    },
  });
  return { destination, text: () => output };
}

const NAME = 'Ana María Pérez Gómez';
const EMAIL = 'ana.perez@example.com';
const PHONE = '+573001234567';
const ADDRESS = 'Calle 45 # 12-30, Bogotá';

const debtor = (id: string): ledger.Debtor =>
  ledger.Debtor.fromPartial({
    debtorId: id,
    kind: 'person',
    displayName: NAME,
    country: 'CO',
    timeZone: 'America/Bogota',
    contactPoints: [
      { type: 'phone', value: PHONE, verified: true, consentedChannels: ['sms'] },
      { type: 'email', value: EMAIL, verified: true, consentedChannels: ['email'] },
      { type: 'address', value: ADDRESS, verified: false, consentedChannels: ['letter'] },
    ],
  });

describe('an unexpected database failure on a debtor write (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let accounts: AccountsUseCase;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    accounts = new AccountsUseCase(sut.context, new PiiCipher('k'.repeat(32)));
  });
  afterAll(async () => {
    await sut?.close();
  });

  /** The error a debtor upsert fails with when the database refuses the write of its contact points. */
  async function failedUpsert(id: string, refusal: string): Promise<unknown> {
    // Any unexpected refusal will do (a timeout, a full disk, a constraint added by an operator):
    // here a check that no contact point can pass, so the failure does not depend on the input.
    await sut.dataSource.query(`ALTER TABLE ledger.contact_point ADD CONSTRAINT ${refusal} CHECK (seq < 0) NOT VALID`);
    try {
      await accounts.upsertDebtor(sut.tenant, debtor(id));
    } catch (err) {
      return err;
    } finally {
      await sut.dataSource.query(`ALTER TABLE ledger.contact_point DROP CONSTRAINT ${refusal}`);
    }
    throw new Error('the upsert was expected to fail');
  }

  const expectNoPii = (log: string) => {
    for (const pii of [NAME, EMAIL, PHONE, ADDRESS, 'Bogot', 'ana.perez', '3001234567']) {
      expect(log).not.toContain(pii);
    }
  };

  it('logs the REST error with its error id but never the debtor’s name, phone, e-mail or address', async () => {
    const err = await failedUpsert('d-pii-rest', 'refuse_contact_points_rest');
    const log = capturedLog();
    const filter = new HttpErrorFilter(createLogger({ service: 'ledger', destination: log.destination }));

    const { status, body } = filter.toHttpResponse(err);

    expect(status).toBe(500);
    const { errorId } = body as { errorId: string };
    expect(log.text()).toContain(errorId);
    expect(log.text()).toContain('refuse_contact_points_rest'); // the cause is still there to debug
    expectNoPii(log.text());
  });

  it('logs the gRPC error with its error id but never the debtor’s name, phone, e-mail or address', async () => {
    const err = await failedUpsert('d-pii-grpc', 'refuse_contact_points_grpc');
    const log = capturedLog();
    const filter = new GrpcErrorFilter(createLogger({ service: 'ledger', destination: log.destination }));

    const answer = filter.toGrpcError(err);

    expect(answer.message).toMatch(/internal error \(errorId /);
    expect(log.text()).toContain('refuse_contact_points_grpc');
    expectNoPii(log.text());
  });

  it('logs a value PostgreSQL refused (its message quotes it) without the value, keeping what failed', async () => {
    // A phone number where a number of days belongs, an e-mail address where an id belongs: the
    // database's message quotes what it could not read, and node-postgres's stack repeats it.
    const refusals: unknown[] = [];
    for (const [sql, value] of [
      ['SELECT $1::int AS days', '3001234567'],
      ['SELECT $1::uuid AS id', EMAIL],
      ['SELECT $1::jsonb AS doc', `{"name": ${NAME}`],
    ] as const) {
      await sut.dataSource.query(sql, [value]).then(
        () => refusals.push(new Error(`${sql} was expected to fail`)),
        (err: unknown) => refusals.push(err),
      );
    }
    const log = capturedLog();
    const filter = new HttpErrorFilter(createLogger({ service: 'ledger', destination: log.destination }));

    for (const err of refusals) expect(filter.toHttpResponse(err).status).toBe(500);

    expect(log.text()).toContain('invalid input syntax for type uuid'); // what failed is still there
    expect(log.text()).toContain('22P02');
    expectNoPii(log.text());
    expect(log.text()).not.toContain('Ana');
  });
});
