import { describeBackboneContract } from './backbone-contract';
import { inProcessKind } from './backbone-harness';

describeBackboneContract(inProcessKind);
