import { int, loadConfig, str } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceDefinition } from '@collections/runtime';
import { LedgerRestController } from './ledger/ledger.controller';
import { LEDGER_ACCOUNTS, LEDGER_DATA_SUBJECTS, LEDGER_HOLDS, LedgerGrpcController } from './ledger/ledger.grpc';
import { LedgerRepository } from './ledger/ledger.repository';
import { PiiCipher } from './ledger/pii';
import { AccountsUseCase } from './ledger/usecases/accounts.usecase';
import { DataSubjectUseCase } from './ledger/usecases/data-subject.usecase';
import { HoldsAndConsentUseCase } from './ledger/usecases/holds-and-consent.usecase';
import { LedgerInitial1763900001000 } from './migrations/1763900001000-ledger-initial';
import { LedgerHolds1763900001100 } from './migrations/1763900001100-ledger-holds';
import { LedgerReconciliation1763900002000 } from './migrations/1763900002000-ledger-reconciliation';
import { ReconciliationRestController } from './reconciliation/reconciliation.controller';
import { RECON_IMPORT, RECON_RESOLVE, ReconciliationGrpcController } from './reconciliation/reconciliation.grpc';
import { ReconciliationRepository } from './reconciliation/reconciliation.repository';
import { ImportStatementUseCase } from './reconciliation/usecases/import-statement.usecase';
import { ResolveItemUseCase } from './reconciliation/usecases/resolve-item.usecase';

/** Development default only: production sets LEDGER_PII_KEY (the boot log says which is used). */
const DEV_PII_KEY = 'collections-dev-only-pii-key';

/** services/ledger: debtors, accounts and every cent, in a double-entry journal. */
export const ledgerService: ServiceDefinition = {
  name: 'ledger',
  migrations: [LedgerInitial1763900001000, LedgerHolds1763900001100, LedgerReconciliation1763900002000],
  module: (ctx) => {
    const config = loadConfig({
      piiKey: str('LEDGER_PII_KEY', { default: DEV_PII_KEY }),
      // How far (minor units) a credit may differ from what an account owes and still match it by account number.
      reconToleranceMinor: int('LEDGER_RECON_TOLERANCE_MINOR', { default: 100, min: 0 }),
    });
    if (config.piiKey === DEV_PII_KEY)
      ctx.logger.warn('LEDGER_PII_KEY is not set: national ids are encrypted with the development key');
    const cipher = new PiiCipher(config.piiKey);
    const ledgerRepo = new LedgerRepository();
    const reconRepo = new ReconciliationRepository();
    return {
      module: class LedgerModule {},
      controllers: [
        LedgerGrpcController,
        LedgerRestController,
        ReconciliationGrpcController,
        ReconciliationRestController,
      ],
      providers: [
        { provide: SERVICE_CONTEXT, useValue: ctx },
        { provide: LEDGER_ACCOUNTS, useValue: new AccountsUseCase(ctx, cipher) },
        { provide: LEDGER_DATA_SUBJECTS, useValue: new DataSubjectUseCase(ctx, cipher) },
        { provide: LEDGER_HOLDS, useValue: new HoldsAndConsentUseCase(ctx) },
        LedgerRepository,
        LedgerGrpcController,
        { provide: ReconciliationRepository, useValue: reconRepo },
        {
          provide: RECON_IMPORT,
          useValue: new ImportStatementUseCase(ctx, ledgerRepo, reconRepo, config.reconToleranceMinor),
        },
        { provide: RECON_RESOLVE, useValue: new ResolveItemUseCase(ctx, ledgerRepo, reconRepo) },
        ReconciliationGrpcController,
      ],
    };
  },
};
