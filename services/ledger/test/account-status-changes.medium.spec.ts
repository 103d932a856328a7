import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger, ledgerLifecycle } from '@collections/contracts';
import {
  API_KEY_HEADER,
  grpcClient,
  loadConfig,
  metadataFromPrincipalHeaders,
  runWithPrincipal,
} from '@collections/platform';
import { ServiceUnderTest, columnsHolding, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { LedgerRepository } from '../src/ledger/ledger.repository';
import { DEV_PII_KEY, PiiCipher, piiKeyConfig } from '../src/ledger/pii';
import { rotateLedgerPiiKey } from '../src/ledger/pii-rotation';
import { AccountLifecycleUseCase } from '../src/ledger/usecases/account-lifecycle.usecase';
import { openFundedAccount } from './support/accounts';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { ACCOUNT_STATUS_CURRENT, ACCOUNT_STATUS_CHARGED_OFF, ACCOUNT_STATUS_SETTLED, ACCOUNT_STATUS_CLOSED } =
  ledger.AccountStatus;

/** What collectors and supervisors write as a lifecycle move's reason: the debtor's life, in their words. */
const REASONS = {
  close: 'cerrada: la deudora Inés Cierre pagó tras vender la moto de su hijo',
  kept: 'castigo sin condonar: Inés Castigo perdió el empleo en Initech, sigue debiendo',
  zeroSettle: 'acuerdo cumplido, la deudora Inés Saldada dijo que su madre está hospitalizada',
  discountSettle: 'quita del 100% aprobada: Inés Quita tiene cáncer, certificado del oncólogo',
  writeOff: 'castigo total por muerte del titular Inés Finada, acta de defunción',
};

/** The key the rotation moves the ledger to (the service under test writes under the development key). */
const NEW_KEY = 'the-ledger-key-after-the-rotation-of-2027';
const cipherOf = (setting: string) =>
  new PiiCipher(loadConfig({ piiKey: piiKeyConfig() }, { LEDGER_PII_KEY: setting }).piiKey);

/**
 * An operations or audit team asks who closed, charged off or settled an account, when and why:
 * every lifecycle move that changes the status keeps a row (`account_status_change`) in its own
 * transaction, with the principal's subject and the reason encrypted like a journal memo, answered
 * by ListAccountStatusChanges (gRPC and REST), exported and erased with the debtor's data, and
 * re-encrypted by the key rotation.
 */
describe("accounts' status changes: who charged off, settled or closed, when and why (real PostgreSQL)", () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let lifecycle: ReturnType<typeof grpcClient<typeof ledgerLifecycle.LedgerLifecycleServiceService>>;
  let md: () => Metadata;
  let apiKeySubject: string;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    lifecycle = grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    apiKeySubject = `api-key:${sut.tenant}`;
  });
  afterAll(async () => {
    client.close();
    lifecycle.close();
    await sut?.close();
  });

  const at = (instant: string) => {
    const now = new Date(instant);
    sut.clock.set(now);
    return now;
  };
  /** 3,000.00 owed since 5 January, in Bogotá, by debtor `d-<id>`. */
  const newAccount = (id: string) => openFundedAccount(client, md, { id, opening: 300_000 });
  const payInFull = (accountId: string) =>
    client.postPayment(
      { accountId, amount: USD(300_000), idempotencyKey: `pay-${accountId}`, reference: '', effectiveDate: '' },
      md(),
    );
  const changesOf = async (accountId: string) =>
    (await lifecycle.listAccountStatusChanges({ accountId }, md())).changes;
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );
  const restGet = async (path: string, apiKey = sut.apiKey) => {
    const res = await fetch(`${sut.app.httpUrl}${path}`, { headers: { [API_KEY_HEADER]: apiKey } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('keeps who closed the account, when, from which status and why; closing it again keeps nothing more', async () => {
    const id = await newAccount('sc-close');
    await payInFull(id);
    const closedAt = at('2026-03-03T14:00:00Z');
    expect(await lifecycle.closeAccount({ accountId: id, reason: REASONS.close }, md())).toEqual({
      status: ACCOUNT_STATUS_CLOSED,
      closed: true,
    });
    at('2026-03-04T14:00:00Z');
    expect((await lifecycle.closeAccount({ accountId: id, reason: 'otra vez' }, md())).closed).toBe(false);

    expect(await changesOf(id)).toEqual([
      {
        accountId: id,
        fromStatus: ACCOUNT_STATUS_CURRENT,
        toStatus: ACCOUNT_STATUS_CLOSED,
        changedAt: closedAt,
        changedBy: apiKeySubject,
        reason: REASONS.close,
        entryId: '',
      },
    ]);
  });

  it('keeps a charge-off that kept the balance owed, and a retry that replays it adds none', async () => {
    const id = await newAccount('sc-kept');
    const chargedOffAt = at('2026-03-05T16:00:00Z');
    const first = await lifecycle.chargeOffAccount(
      { accountId: id, idempotencyKey: 'sc-kept-1', reason: REASONS.kept, keepBalanceOwed: true },
      md(),
    );
    at('2026-03-05T16:05:00Z');
    const retry = await lifecycle.chargeOffAccount(
      { accountId: id, idempotencyKey: 'sc-kept-1', reason: REASONS.kept, keepBalanceOwed: true },
      md(),
    );
    expect([first.replayed, retry.replayed]).toEqual([false, true]);

    expect(await changesOf(id)).toEqual([
      {
        accountId: id,
        fromStatus: ACCOUNT_STATUS_CURRENT,
        toStatus: ACCOUNT_STATUS_CHARGED_OFF,
        changedAt: chargedOffAt,
        changedBy: apiKeySubject,
        reason: REASONS.kept,
        entryId: '',
      },
    ]);
  });

  it('keeps a settlement with nothing left to discount, and a retry adds none', async () => {
    const id = await newAccount('sc-zero');
    await payInFull(id);
    const settledAt = at('2026-03-06T13:00:00Z');
    const request = { accountId: id, idempotencyKey: 'sc-zero-1', reason: REASONS.zeroSettle };
    expect((await lifecycle.settleAccount(request, md())).entryId).toBe('');
    at('2026-03-06T13:01:00Z');
    expect((await lifecycle.settleAccount(request, md())).status).toBe(ACCOUNT_STATUS_SETTLED);

    expect(await changesOf(id)).toEqual([
      {
        accountId: id,
        fromStatus: ACCOUNT_STATUS_CURRENT,
        toStatus: ACCOUNT_STATUS_SETTLED,
        changedAt: settledAt,
        changedBy: apiKeySubject,
        reason: REASONS.zeroSettle,
        entryId: '',
      },
    ]);
  });

  it('keeps a settlement that discounted the balance with its entry, oldest move first, and a replay adds none', async () => {
    // Charged off keeping the balance, then settled: two moves, answered in the order they happened.
    const id = await newAccount('sc-discount');
    const chargedOffAt = at('2026-03-07T12:00:00Z');
    await lifecycle.chargeOffAccount(
      { accountId: id, idempotencyKey: 'sc-discount-co', reason: 'antes de la quita', keepBalanceOwed: true },
      md(),
    );
    const settledAt = at('2026-03-08T12:00:00Z');
    const request = { accountId: id, idempotencyKey: 'sc-discount-1', reason: REASONS.discountSettle };
    const settled = await lifecycle.settleAccount(request, md());
    expect(settled.entryId).not.toBe('');
    at('2026-03-08T12:10:00Z');
    expect((await lifecycle.settleAccount(request, md())).replayed).toBe(true);

    expect(await changesOf(id)).toEqual([
      expect.objectContaining({ toStatus: ACCOUNT_STATUS_CHARGED_OFF, changedAt: chargedOffAt, entryId: '' }),
      {
        accountId: id,
        fromStatus: ACCOUNT_STATUS_CHARGED_OFF,
        toStatus: ACCOUNT_STATUS_SETTLED,
        changedAt: settledAt,
        changedBy: apiKeySubject,
        reason: REASONS.discountSettle,
        entryId: settled.entryId,
      },
    ]);
  });

  it("keeps a write-off's charge-off under the signed-in user who asked", async () => {
    const id = await newAccount('sc-writeoff');
    const chargedOffAt = at('2026-03-09T12:00:00Z');
    const supervisor = { tenantId: sut.tenant, subject: 'user-supervisora-ana', kind: 'user' as const, roles: [] };
    const result = await runWithPrincipal(supervisor, () =>
      new AccountLifecycleUseCase(sut.context, new LedgerRepository()).chargeOff(sut.tenant, {
        accountId: id,
        idempotencyKey: 'sc-writeoff-1',
        reason: REASONS.writeOff,
      }),
    );

    expect(await changesOf(id)).toEqual([
      {
        accountId: id,
        fromStatus: ACCOUNT_STATUS_CURRENT,
        toStatus: ACCOUNT_STATUS_CHARGED_OFF,
        changedAt: chargedOffAt,
        changedBy: 'user-supervisora-ana',
        reason: REASONS.writeOff,
        entryId: result.entryId,
      },
    ]);
  });

  it('answers the same over REST, and another tenant or an unknown account NOT_FOUND (gRPC and REST)', async () => {
    const overRest = await restGet('/v1/ledger/accounts/sc-close/status-changes');
    expect(overRest).toEqual({
      status: 200,
      body: {
        changes: [
          {
            accountId: 'sc-close',
            // Enums by number, as OpenAPI documents them.
            fromStatus: ACCOUNT_STATUS_CURRENT,
            toStatus: ACCOUNT_STATUS_CLOSED,
            changedAt: '2026-03-03T14:00:00.000Z',
            changedBy: apiKeySubject,
            reason: REASONS.close,
            entryId: '',
          },
        ],
      },
    });

    const other = metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    expect(await refusal(lifecycle.listAccountStatusChanges({ accountId: 'sc-close' }, other))).toMatchObject({
      code: status.NOT_FOUND,
    });
    expect(await refusal(lifecycle.listAccountStatusChanges({ accountId: 'sc-nobody' }, md()))).toMatchObject({
      code: status.NOT_FOUND,
    });
    expect((await restGet('/v1/ledger/accounts/sc-close/status-changes', sut.otherApiKey)).status).toBe(404);
  });

  it('keeps every reason, and none in clear in any table, the outbox included', async () => {
    const kept = [];
    for (const id of ['sc-close', 'sc-kept', 'sc-zero', 'sc-discount', 'sc-writeoff'])
      kept.push(...(await changesOf(id)).map((c) => c.reason));
    expect(kept).toEqual([
      REASONS.close,
      REASONS.kept,
      REASONS.zeroSettle,
      'antes de la quita',
      REASONS.discountSettle,
      REASONS.writeOff,
    ]);
    const places: Record<string, string[]> = {};
    for (const [what, reason] of Object.entries(REASONS)) places[what] = await columnsHolding(sut.dataSource, reason);
    expect(places).toEqual({ close: [], kept: [], zeroSettle: [], discountSettle: [], writeOff: [] });
  });

  it("exports the debtor's accounts' status changes, and erasing the debtor erases their reasons but keeps who, when and what", async () => {
    const exported = await lifecycleExport('d-sc-kept');
    expect(exported.statusChanges.map((c) => [c.accountId, c.reason])).toEqual([['sc-kept', REASONS.kept]]);

    await client.eraseDebtor({ debtorId: 'd-sc-kept', reason: 'solicitud de supresión' }, md());

    expect(await changesOf('sc-kept')).toEqual([
      expect.objectContaining({
        toStatus: ACCOUNT_STATUS_CHARGED_OFF,
        changedAt: new Date('2026-03-05T16:00:00Z'),
        changedBy: apiKeySubject,
        reason: 'erased',
      }),
    ]);
    expect((await lifecycleExport('d-sc-kept')).statusChanges.map((c) => c.reason)).toEqual(['erased']);
    const [row] = (await sut.dataSource.query(
      `SELECT reason_enc, reason_erased FROM ledger.account_status_change WHERE tenant_id = $1 AND account_id = 'sc-kept'`,
      [sut.tenant],
    )) as { reason_enc: Buffer | null; reason_erased: boolean }[];
    expect(row).toEqual({ reason_enc: null, reason_erased: true });
    // Another debtor's accounts keep theirs.
    expect((await changesOf('sc-close')).map((c) => c.reason)).toEqual([REASONS.close]);
  });

  it('refuses any other change to a kept status change, and its deletion', async () => {
    const change = sut.dataSource.query(
      `UPDATE ledger.account_status_change SET changed_by = 'someone else' WHERE tenant_id = $1 AND account_id = 'sc-close'`,
      [sut.tenant],
    );
    await expect(change).rejects.toThrow(/only its reason can be erased/);
    const deletion = sut.dataSource.query(
      `DELETE FROM ledger.account_status_change WHERE tenant_id = $1 AND account_id = 'sc-close'`,
      [sut.tenant],
    );
    await expect(deletion).rejects.toThrow(/only its reason can be erased/);
  });

  it('re-encrypts the reasons under the new key when the key is rotated', async () => {
    // The service under test wrote everything under the development key (key id `legacy`).
    const rotated = await rotateLedgerPiiKey(sut.dataSource, cipherOf(`k2027:${NEW_KEY},legacy:${DEV_PII_KEY}`));
    // Five moves with a reason left (sc-kept's was erased), and the charge-off before sc-discount's settlement.
    expect(rotated.find((t) => t.table === 'account_status_change')).toEqual({
      table: 'account_status_change',
      pending: 5,
      rewritten: 5,
    });
    const afterRotation = cipherOf(`k2027:${NEW_KEY}`);
    const stored = (await sut.dataSource.query(
      `SELECT reason_enc FROM ledger.account_status_change WHERE tenant_id = $1 AND reason_enc IS NOT NULL`,
      [sut.tenant],
    )) as { reason_enc: Buffer }[];
    expect(new Set(stored.map((r) => afterRotation.keyIdOf(r.reason_enc)))).toEqual(new Set(['k2027']));
    const read = await new LedgerRepository(afterRotation).statusChanges(sut.dataSource.manager, sut.tenant, [
      'sc-close',
      'sc-writeoff',
    ]);
    expect(read.map((c) => c.reason)).toEqual([REASONS.close, REASONS.writeOff]);
  });

  /** ExportDebtor as the tenant's API key (a compliance caller). */
  async function lifecycleExport(debtorId: string): Promise<ledger.ExportDebtorResponse> {
    return client.exportDebtor({ debtorId }, md());
  }
});
