import { loadConfig, str } from '@collections/platform';
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

/** Development default only: production sets LEDGER_PII_KEY (the boot log says which is used). */
const DEV_PII_KEY = 'collections-dev-only-pii-key';

/** services/ledger: debtors, accounts and every cent, in a double-entry journal. */
export const ledgerService: ServiceDefinition = {
  name: 'ledger',
  migrations: [LedgerInitial1763900001000, LedgerHolds1763900001100],
  module: (ctx) => {
    const config = loadConfig({ piiKey: str('LEDGER_PII_KEY', { default: DEV_PII_KEY }) });
    if (config.piiKey === DEV_PII_KEY)
      ctx.logger.warn('LEDGER_PII_KEY is not set: national ids are encrypted with the development key');
    const cipher = new PiiCipher(config.piiKey);
    return {
      module: class LedgerModule {},
      controllers: [LedgerGrpcController, LedgerRestController],
      providers: [
        { provide: SERVICE_CONTEXT, useValue: ctx },
        { provide: LEDGER_ACCOUNTS, useValue: new AccountsUseCase(ctx, cipher) },
        { provide: LEDGER_DATA_SUBJECTS, useValue: new DataSubjectUseCase(ctx, cipher) },
        { provide: LEDGER_HOLDS, useValue: new HoldsAndConsentUseCase(ctx) },
        LedgerRepository,
        LedgerGrpcController,
      ],
    };
  },
};
