import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import {
  API_KEY_HEADER,
  Authenticator,
  PromiseClient,
  grpcClient,
  metadataFromPrincipalHeaders,
  signJwt,
} from '@collections/platform';
import { startNestApp } from '@collections/runtime';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';

const JWT_SECRET = 'data-subject-access-test-secret';

/** A person the ledger holds: what an export would disclose. */
const PERSON = {
  debtorId: 'd-sujeto',
  kind: 'person',
  displayName: 'Sofía Sujeto Reservada',
  nationalId: '52.778.901',
  country: 'CO',
  timeZone: 'America/Bogota',
  language: 'es',
  region: '',
  contactPoints: [{ type: 'phone', value: '+573015550177', verified: true, consentedChannels: ['sms'] }],
};

/**
 * Exporting everything held on a debtor (`ExportDebtor`) and erasing it (`EraseDebtor`) are the
 * data-subject requests: a compliance officer's or the administrator's, and the tenant's API key's
 * (the orchestrator asks for the debtor's addresses with it for every contact it sends, and the
 * agents' claims read the number to dial through it). An agent, or any user without either role, is
 * refused with PERMISSION_DENIED naming the action and the roles, over gRPC and REST, and sees
 * nothing of the person.
 */
describe('who may export and erase a debtor’s personal data (gRPC and REST, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: PromiseClient<typeof ledger.LedgerServiceService>;

  const asUser = (roles: string[]) =>
    `Bearer ${signJwt({ tenant: sut.tenant, sub: `user-${roles.join('+') || 'none'}`, roles }, JWT_SECRET)}`;
  const grpcAs = (who: { roles: string[] } | 'api-key'): Metadata =>
    who === 'api-key'
      ? metadataFromPrincipalHeaders({ apiKey: sut.apiKey })
      : metadataFromPrincipalHeaders({ authorization: asUser(who.roles) });
  const restAs = (who: { roles: string[] } | 'api-key'): Record<string, string> =>
    who === 'api-key' ? { [API_KEY_HEADER]: sut.apiKey } : { authorization: asUser(who.roles) };

  const grpcOutcome = async (call: Promise<unknown>) => {
    try {
      return { code: status.OK, details: '', answer: JSON.stringify(await call) };
    } catch (err) {
      const e = err as ServiceError;
      return { code: e.code, details: e.details, answer: '' };
    }
  };
  const restExport = async (who: { roles: string[] } | 'api-key') => {
    const res = await fetch(`${sut.app.httpUrl}/v1/ledger/debtors/${PERSON.debtorId}/export`, {
      headers: restAs(who),
    });
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    // The same ledger, answering user tokens too (the harness's accepts API keys only).
    const { httpUrl } = sut.app;
    const port = Number(new URL(httpUrl).port);
    await sut.app.close();
    sut.app = await startNestApp({
      name: ledgerService.name,
      services: [{ definition: ledgerService, context: sut.context }],
      logger: sut.context.logger,
      clock: sut.clock,
      authenticator: new Authenticator({ apiKeys: `${sut.tenant}:${sut.apiKey}`, jwtSecret: JWT_SECRET }),
      metrics: sut.context.metrics,
      health: sut.context.health,
      http: { host: '127.0.0.1', port },
      grpc: { host: '127.0.0.1', port: port + 1 },
    });
    client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    await client.upsertDebtor({ debtor: ledger.Debtor.fromPartial(PERSON) }, grpcAs('api-key'));
  });
  afterAll(async () => {
    client?.close();
    await sut?.close();
  });

  it.each([{ roles: ['agent'] }, { roles: ['supervisor'] }, { roles: [] }])(
    'refuses to export the debtor to a user with the roles $roles, naming the action and the roles, over gRPC and REST',
    async ({ roles }: { roles: string[] }) => {
      const overGrpc = await grpcOutcome(client.exportDebtor({ debtorId: PERSON.debtorId }, grpcAs({ roles })));
      expect(overGrpc).toEqual({
        code: status.PERMISSION_DENIED,
        details: "exporting a debtor's personal data needs the compliance or admin role",
        answer: '',
      });
      const overRest = await restExport({ roles });
      expect(overRest.status).toBe(403);
      expect(JSON.parse(overRest.text)).toMatchObject({
        code: 'PERMISSION_DENIED',
        message: "exporting a debtor's personal data needs the compliance or admin role",
        details: { requiredRoles: ['compliance', 'admin'] },
      });
      for (const answer of [overGrpc.details, overRest.text]) {
        expect(answer).not.toContain(PERSON.displayName);
        expect(answer).not.toContain(PERSON.contactPoints[0].value);
      }
    },
  );

  it.each([[{ roles: ['compliance'] }], [{ roles: ['agent', 'admin'] }], ['api-key' as const]])(
    'exports everything held on the debtor to %j, over gRPC and REST',
    async (who) => {
      const overGrpc = await client.exportDebtor({ debtorId: PERSON.debtorId }, grpcAs(who));
      expect(overGrpc.debtor).toEqual(ledger.Debtor.fromPartial(PERSON));
      const overRest = await restExport(who);
      expect(overRest.status).toBe(200);
      expect((JSON.parse(overRest.text) as ledger.ExportDebtorResponse).debtor).toMatchObject({
        displayName: PERSON.displayName,
        nationalId: PERSON.nationalId,
        contactPoints: [expect.objectContaining({ value: PERSON.contactPoints[0].value })],
      });
    },
  );

  it('refuses an agent’s erasure over gRPC and REST, erasing nothing', async () => {
    const overGrpc = await grpcOutcome(
      client.eraseDebtor({ debtorId: PERSON.debtorId, reason: 'asked on the phone' }, grpcAs({ roles: ['agent'] })),
    );
    expect(overGrpc).toMatchObject({
      code: status.PERMISSION_DENIED,
      details: "erasing a debtor's personal data needs the compliance or admin role",
    });
    const overRest = await fetch(`${sut.app.httpUrl}/v1/ledger/debtors/${PERSON.debtorId}/erasure`, {
      method: 'POST',
      headers: { ...restAs({ roles: ['agent'] }), 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'asked on the phone' }),
    });
    expect(overRest.status).toBe(403);
    const after = await client.exportDebtor({ debtorId: PERSON.debtorId }, grpcAs('api-key'));
    expect({ erased: after.erased, name: after.debtor?.displayName }).toEqual({
      erased: false,
      name: PERSON.displayName,
    });
  });

  it('lets a compliance officer erase the debtor, and still export what is left', async () => {
    const officer = grpcAs({ roles: ['compliance'] });
    expect(await client.eraseDebtor({ debtorId: PERSON.debtorId, reason: 'data-subject request 17' }, officer)).toEqual(
      { erased: true },
    );
    const after = await client.exportDebtor({ debtorId: PERSON.debtorId }, officer);
    expect({ erased: after.erased, name: after.debtor?.displayName }).toEqual({ erased: true, name: 'erased' });
  });
});
