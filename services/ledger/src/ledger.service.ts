import { int, loadConfig } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceDefinition } from '@collections/runtime';
import { LedgerRestController } from './ledger/ledger.controller';
import {
  LEDGER_ACCOUNTS,
  LEDGER_DATA_SUBJECTS,
  LEDGER_HOLDS,
  LedgerGrpcController,
  ledgerDirectRoutes,
} from './ledger/ledger.grpc';
import { LedgerRepository } from './ledger/ledger.repository';
import { LedgerLifecycleRestController } from './ledger/lifecycle.controller';
import {
  LEDGER_AGING_BUCKETS,
  LEDGER_INSTALMENTS,
  LEDGER_LIFECYCLE,
  LedgerLifecycleGrpcController,
} from './ledger/lifecycle.grpc';
import { PiiCipher, piiKeyConfig, writesUnderDevKey } from './ledger/pii';
import { AccountLifecycleUseCase } from './ledger/usecases/account-lifecycle.usecase';
import { AgingBucketsUseCase } from './ledger/usecases/aging-buckets.usecase';
import {
  DAILY_DELINQUENCY,
  DAILY_DELINQUENCY_CHECK_MS,
  DailyDelinquencyScheduler,
  DailyDelinquencyUseCase,
} from './ledger/usecases/daily-delinquency.usecase';
import { InstalmentsUseCase } from './ledger/usecases/instalments.usecase';
import { AccountsUseCase } from './ledger/usecases/accounts.usecase';
import { DataSubjectUseCase } from './ledger/usecases/data-subject.usecase';
import { HoldsAndConsentUseCase } from './ledger/usecases/holds-and-consent.usecase';
import { OpenDisputeHoldsUseCase } from './ledger/usecases/open-dispute-holds.usecase';
import { ledgerDisputeConsumer } from './ledger/dispute.consumer';
import { OpenApiController } from './openapi/openapi.controller';
import { registerImportMetrics } from './imports/import-metrics';
import { registerReconciliationMetrics } from './reconciliation/reconciliation-metrics';
import { registerDisputeMetrics } from './ledger/dispute-metrics';
import { LedgerInitial1763900001000 } from './migrations/1763900001000-ledger-initial';
import { LedgerHolds1763900001100 } from './migrations/1763900001100-ledger-holds';
import { LedgerReconciliation1763900002000 } from './migrations/1763900002000-ledger-reconciliation';
import { ReconciliationRestController } from './reconciliation/reconciliation.controller';
import { RECON_IMPORT, RECON_RESOLVE, ReconciliationGrpcController } from './reconciliation/reconciliation.grpc';
import { ReconciliationRepository } from './reconciliation/reconciliation.repository';
import { ImportStatementUseCase } from './reconciliation/usecases/import-statement.usecase';
import { ResolveItemUseCase } from './reconciliation/usecases/resolve-item.usecase';
import { LedgerLifecycle1763900004000 } from './migrations/1763900004000-ledger-lifecycle';
import { LedgerReconCandidateIndexes1763900008610 } from './migrations/1763900008610-ledger-recon-candidate-indexes';
import { LedgerAccountFillfactor1763900009800 } from './migrations/1763900009800-ledger-account-fillfactor';
import { LedgerJournalSetChecks1763900011900 } from './migrations/1763900011900-ledger-journal-set-checks';
import { LedgerAccountDebtorByDebtor1763900012200 } from './migrations/1763900012200-ledger-account-debtor-by-debtor';
import { LedgerEntryAnswerJson1763900012300 } from './migrations/1763900012300-ledger-entry-answer-json';
import { LedgerJournalChecksPlannedPerStatement1763900012710 } from './migrations/1763900012710-ledger-journal-checks-planned-per-statement';
import { LedgerDebtorErasureReason1763900014100 } from './migrations/1763900014100-ledger-debtor-erasure-reason';
import { LedgerEntryMemoErasable1763900014700 } from './migrations/1763900014700-ledger-entry-memo-erasable';
import { LedgerDebtorPiiEncrypted1763900015700 } from './migrations/1763900015700-ledger-debtor-pii-encrypted';
import { LedgerFreeTextsEncrypted1763900016700 } from './migrations/1763900016700-ledger-free-texts-encrypted';
import { LedgerHoldsByDebtor1763900016900 } from './migrations/1763900016900-ledger-holds-by-debtor';
import { LedgerDebtorContactPreferences1763900017600 } from './migrations/1763900017600-ledger-debtor-contact-preferences';
import { LedgerBankTextsEncrypted1763900017710 } from './migrations/1763900017710-ledger-bank-texts-encrypted';
import { LedgerRejectionValuesEncrypted1763900017800 } from './migrations/1763900017800-ledger-rejection-values-encrypted';
import { LedgerTimeZoneOrUtc1763900017810 } from './migrations/1763900017810-ledger-time-zone-or-utc';
import { LedgerAccountChargedOffOn1763900018000 } from './migrations/1763900018000-ledger-account-charged-off-on';
import { LedgerHoldBankruptcyChapter1763900018200 } from './migrations/1763900018200-ledger-hold-bankruptcy-chapter';
import { LedgerLifecycleCommand1763900018600 } from './migrations/1763900018600-ledger-lifecycle-command';
import { LedgerAccountStatusChange1763900019600 } from './migrations/1763900019600-ledger-account-status-change';
import { LedgerOpenDisputes1763900020100 } from './migrations/1763900020100-ledger-open-disputes';
import { LedgerReconReturns1763900021000 } from './migrations/1763900021000-ledger-recon-returns';

/** services/ledger: debtors, accounts and every cent, in a double-entry journal. */
export const ledgerService: ServiceDefinition = {
  name: 'ledger',
  migrations: [
    LedgerInitial1763900001000,
    LedgerHolds1763900001100,
    LedgerReconciliation1763900002000,
    LedgerLifecycle1763900004000,
    LedgerReconCandidateIndexes1763900008610,
    LedgerAccountFillfactor1763900009800,
    LedgerJournalSetChecks1763900011900,
    LedgerAccountDebtorByDebtor1763900012200,
    LedgerEntryAnswerJson1763900012300,
    LedgerJournalChecksPlannedPerStatement1763900012710,
    LedgerDebtorErasureReason1763900014100,
    LedgerEntryMemoErasable1763900014700,
    LedgerDebtorPiiEncrypted1763900015700,
    LedgerFreeTextsEncrypted1763900016700,
    LedgerHoldsByDebtor1763900016900,
    LedgerDebtorContactPreferences1763900017600,
    LedgerBankTextsEncrypted1763900017710,
    LedgerRejectionValuesEncrypted1763900017800,
    LedgerTimeZoneOrUtc1763900017810,
    LedgerAccountChargedOffOn1763900018000,
    LedgerHoldBankruptcyChapter1763900018200,
    LedgerLifecycleCommand1763900018600,
    LedgerAccountStatusChange1763900019600,
    LedgerOpenDisputes1763900020100,
    LedgerReconReturns1763900021000,
  ],
  module: (ctx) => {
    const config = loadConfig({
      piiKey: piiKeyConfig(),
      // How far (minor units) a credit may differ from what an account owes and still match it by account number.
      reconToleranceMinor: int('LEDGER_RECON_TOLERANCE_MINOR', { default: 100, min: 0 }),
      // How often the daily delinquency timer looks at the clock (0: only on demand).
      delinquencyCheckMs: int('LEDGER_DELINQUENCY_CHECK_MS', { default: 15 * 60_000, min: 0 }),
    });
    if (writesUnderDevKey(config.piiKey))
      ctx.logger.warn(
        "LEDGER_PII_KEY is not set: debtors' names, contact points, national ids and callers' free texts are encrypted with the development key",
      );
    const cipher = new PiiCipher(config.piiKey);
    const ledgerRepo = new LedgerRepository(cipher);
    const reconRepo = new ReconciliationRepository(cipher);
    // Portfolio files are imported by an operator command; their lines are counted from the jobs.
    registerImportMetrics(ctx);
    // Unapplied cash: the credits waiting in the reconciliation review queue.
    registerReconciliationMetrics(ctx);
    // Disputes waiting for a compliance officer's answer.
    registerDisputeMetrics(ctx);
    return {
      module: class LedgerModule {},
      controllers: [
        LedgerGrpcController,
        LedgerRestController,
        ReconciliationGrpcController,
        ReconciliationRestController,
        LedgerLifecycleGrpcController,
        LedgerLifecycleRestController,
        OpenApiController,
      ],
      providers: [
        { provide: SERVICE_CONTEXT, useValue: ctx },
        { provide: LEDGER_ACCOUNTS, useValue: new AccountsUseCase(ctx, cipher) },
        { provide: LEDGER_DATA_SUBJECTS, useValue: new DataSubjectUseCase(ctx, cipher) },
        { provide: LEDGER_HOLDS, useValue: new HoldsAndConsentUseCase(ctx, cipher) },
        { provide: LedgerRepository, useValue: ledgerRepo },
        LedgerGrpcController,
        { provide: ReconciliationRepository, useValue: reconRepo },
        {
          provide: RECON_IMPORT,
          useValue: new ImportStatementUseCase(ctx, ledgerRepo, reconRepo, config.reconToleranceMinor),
        },
        { provide: RECON_RESOLVE, useValue: new ResolveItemUseCase(ctx, ledgerRepo, reconRepo) },
        ReconciliationGrpcController,
        { provide: LEDGER_LIFECYCLE, useValue: new AccountLifecycleUseCase(ctx, ledgerRepo) },
        { provide: LEDGER_INSTALMENTS, useValue: new InstalmentsUseCase(ctx, ledgerRepo) },
        { provide: LEDGER_AGING_BUCKETS, useValue: new AgingBucketsUseCase(ctx) },
        { provide: DAILY_DELINQUENCY, useValue: new DailyDelinquencyUseCase(ctx) },
        { provide: DAILY_DELINQUENCY_CHECK_MS, useValue: config.delinquencyCheckMs },
        DailyDelinquencyScheduler,
        LedgerLifecycleGrpcController,
      ],
    };
  },
  // A debtor who disputes the debt on a call or in a reply: the ledger's own dispute hold.
  consumers: (ctx) => {
    const { piiKey } = loadConfig({ piiKey: piiKeyConfig() });
    const holds = new HoldsAndConsentUseCase(ctx, new PiiCipher(piiKey));
    ctx.backbone.consume(ledgerDisputeConsumer(new OpenDisputeHoldsUseCase(holds), ctx.logger));
  },
  directGrpcRoutes: ledgerDirectRoutes,
};
