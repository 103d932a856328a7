import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest, columnsHolding } from '@collections/testing';
import { GenericImporter } from '../src/imports/generic-importer';
import { UciImporter } from '../src/imports/uci-importer';
import { PiiCipher, PiiUnreadableError } from '../src/ledger/pii';
import { DataSubjectUseCase } from '../src/ledger/usecases/data-subject.usecase';
import { LedgerApi, startLedgerApi } from './support/ledger-api';
import { asTenantKey } from './support/principal';

const GENERIC = join(__dirname, 'fixtures', 'generic-portfolio.csv');
const UCI_TRAIN = join(__dirname, '..', '..', '..', '..', 'shared', 'datasets', 'uci-credit-default', 'train.csv');

/** A person with a name, a phone, an e-mail and a postal address no other test uses. */
function person(n: string, name: string, phone: string) {
  return {
    debtorId: `d-${n}`,
    name,
    phone,
    email: `${n}.cifrado@example.co`,
    address: `Carrera ${n.length + 7} # 93-${n.length}0, Barrio ${n}, Bogotá`,
  };
}

const debtor = (p: ReturnType<typeof person>) => ({
  debtorId: p.debtorId,
  kind: 'person',
  displayName: p.name,
  nationalId: '',
  country: 'CO',
  timeZone: 'America/Bogota',
  language: 'es',
  region: '',
  contactPoints: [
    { type: 'phone', value: p.phone, verified: true, consentedChannels: ['sms'] },
    { type: 'email', value: p.email, verified: false, consentedChannels: ['email'] },
    { type: 'address', value: p.address, verified: false, consentedChannels: ['letter'] },
  ],
});

/**
 * A debtor's name and contact points (phone, e-mail, postal address) are stored encrypted: a
 * backup, a replica or a `SELECT` shows none of them, whichever way the debtor came in; the APIs
 * answer them in clear as before, and a ledger with another key refuses to read them.
 */
describe("a debtor's name and contact points are encrypted at rest (gRPC, REST, importers, real PostgreSQL)", () => {
  let api: LedgerApi;
  let sut: ServiceUnderTest;
  const overGrpc = person('grpcpii', 'Clara Cifrada Núñez', '+573005550101');
  const overRest = person('restpii', 'Rodrigo Resguardado Vélez', '+573005550202');
  const genericName = 'Germán Genérico Importado';
  const uciIds = ['918273', '918274'];

  const placesHolding = (needle: string) => columnsHolding(sut.dataSource, needle);

  beforeAll(async () => {
    api = await startLedgerApi();
    sut = api.sut;
    await api.client.upsertDebtor({ debtor: ledger.Debtor.fromPartial(debtor(overGrpc)) }, api.md());
    const res = await fetch(`${sut.app.httpUrl}/v1/ledger/debtors/${overRest.debtorId}`, {
      method: 'PUT',
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(ledger.Debtor.toJSON(ledger.Debtor.fromPartial(debtor(overRest)))),
    });
    expect(res.status).toBe(200);

    const dir = mkdtempSync(join(tmpdir(), 'ledger-pii-'));
    // A portfolio in the generic format (its sample's header) with one account line, accepted.
    const generic = join(dir, 'portfolio.csv');
    const [genericHeader] = readFileSync(GENERIC, 'utf8').split('\n');
    writeFileSync(
      generic,
      `${genericHeader}\naccount,PII-1,D-PII,person,${genericName},America/Bogota,es,CO,credit_card,COP,0,1000.00,2025-01-10,,,,,,,,,,\n`,
    );
    expect(await new GenericImporter(sut.context).run('csv', { tenantId: sut.tenant, file: generic })).toMatchObject({
      status: 'completed',
      createdAccounts: 1,
    });
    // Two clients of the UCI file, under ids no other line has.
    const [header, ...lines] = readFileSync(UCI_TRAIN, 'utf8').split('\n');
    const uci = join(dir, 'uci.csv');
    writeFileSync(uci, [header, ...uciIds.map((id, i) => lines[i].replace(/^\d+,/, `${id},`))].join('\n') + '\n');
    expect(await new UciImporter(sut.context).run({ tenantId: sut.tenant, file: uci })).toMatchObject({
      status: 'completed',
      createdAccounts: 2,
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('keeps no clear name, phone, e-mail or address of a debtor, however it came in, in any table', async () => {
    const places = async (p: ReturnType<typeof person>) => ({
      name: await placesHolding(p.name),
      phone: await placesHolding(p.phone),
      email: await placesHolding(p.email),
      address: await placesHolding(p.address),
    });
    const nowhere = { name: [], phone: [], email: [], address: [] };
    expect({
      grpc: await places(overGrpc),
      rest: await places(overRest),
      generic: await placesHolding(genericName),
      uci: await placesHolding(`UCI client ${uciIds[0]}`),
    }).toEqual({ grpc: nowhere, rest: nowhere, generic: [], uci: [] });
  });

  it('answers the names and contact points in clear, as they were given', async () => {
    const exported = async (debtorId: string) =>
      (await api.client.exportDebtor({ debtorId }, api.md())).debtor as ledger.Debtor;
    expect(await exported(overGrpc.debtorId)).toEqual(ledger.Debtor.fromPartial(debtor(overGrpc)));
    expect(await exported(overRest.debtorId)).toEqual(ledger.Debtor.fromPartial(debtor(overRest)));
    expect((await exported('D-PII')).displayName).toBe(genericName);
    expect((await exported(`uci-${uciIds[1]}`)).displayName).toBe(`UCI client ${uciIds[1]}`);
  });

  it('refuses to read them with another key, saying the key is wrong, instead of answering garbage', async () => {
    const withAnotherKey = new DataSubjectUseCase(sut.context, new PiiCipher('not-the-ledger-key'));
    const read = asTenantKey(sut.tenant, () => withAnotherKey.export(sut.tenant, overGrpc.debtorId));
    await expect(read).rejects.toBeInstanceOf(PiiUnreadableError);
    await expect(read).rejects.toThrow(/LEDGER_PII_KEY is not the key it was encrypted with/);
  });
});
