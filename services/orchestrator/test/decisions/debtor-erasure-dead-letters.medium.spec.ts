import { ledger } from '@collections/contracts';
import {
  ServiceUnderTest,
  itErasesDeadLetters,
  startServiceUnderTest,
  writePersonDeadLetters,
} from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { ledgerErasure, openColombianAccount } from '../support/accounts';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { JOB_TIMERS_OFF } from '../support/dispatch-deps';
import { deliver, startConsumers } from '../support/events';

/**
 * A record of a debtor's the orchestrator could not apply stays in its dead letters, whole: the
 * ledger's erasure of the debtor (DebtorUpserted, erased) must reach it too.
 */
describe("a debtor the ledger erases: the orchestrator's dead letters (real PostgreSQL)", () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const saved = { ...process.env };
  const person = (n: string, nationalId: string, phone: string) => ({
    n,
    debtorId: `debtor-${n}`,
    accountId: `acct-${n}`,
    name: `Ana ${n} Pérez`,
    nationalId,
    email: `deudor-${n}@example.com`,
    phone,
  });
  const erased = person('olvido', '1020304050', '+573001119001');
  const kept = person('sigue', '9080706050', '+573001119002');

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, JOB_TIMERS_OFF);
    const service = createOrchestratorService({
      directory: directoryOf(debtors),
      providers: channels.providers,
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    for (const p of [erased, kept]) {
      await openColombianAccount(sut, debtors, p.n, {
        balanceMinor: 150_000_00,
        dueDate: '2026-03-12',
        points: { email: p.email, phone: p.phone },
      });
      await writePersonDeadLetters(sut.dataSource, sut.context.schema, { tenantId: sut.tenant, ...p });
    }
    debtors.delete(erased.debtorId);
    await deliver(sut, 'collections.ledger.v1.DebtorUpserted', ledgerErasure(erased.debtorId), erased.debtorId);
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  itErasesDeadLetters(() => sut, erased, kept);
});
