import { describeBackboneContract } from './backbone-contract';
import { kafkaKind } from './backbone-harness';

describeBackboneContract(kafkaKind);
