import { ServiceDefinition, SERVICE_CONTEXT } from '@collections/runtime';
import { LedgerInitial1763900001000 } from './migrations/1763900001000-ledger-initial';
import { AccountsController } from './payments/accounts.controller';
import { LedgerGrpcController } from './payments/ledger.grpc';
import { LedgerRepository } from './payments/ledger.repository';

/** services/ledger: debtors, accounts and every cent (walking skeleton: accounts and payments). */
export const ledgerService: ServiceDefinition = {
  name: 'ledger',
  migrations: [LedgerInitial1763900001000],
  module: (ctx) => ({
    module: class LedgerModule {},
    controllers: [AccountsController, LedgerGrpcController],
    providers: [{ provide: SERVICE_CONTEXT, useValue: ctx }, LedgerRepository],
  }),
};
