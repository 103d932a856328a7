export { ledgerService } from './ledger.service';
