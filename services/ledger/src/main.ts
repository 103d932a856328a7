import './tracing';
import { serviceMain } from '@collections/runtime';
import { ledgerService } from './ledger.service';

serviceMain(ledgerService);
