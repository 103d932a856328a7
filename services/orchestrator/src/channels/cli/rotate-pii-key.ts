import { runPiiRotationCommand } from '@collections/runtime';
import { orchestratorService } from '../../orchestrator.service';
import { ChannelPii, orchestratorPiiKeyConfig } from '../channel-pii';
import { rotateChannelPiiKey } from '../pii-rotation';

/**
 * `npm run orchestrator:rotate-pii-key [-- --batch-rows N]`, step 3 of a key rotation: rewrites the
 * channels' records still under an older key with the first of ORCHESTRATOR_PII_KEY, address keys
 * included, while the orchestrator keeps running (`runPiiRotationCommand`).
 */
runPiiRotationCommand({
  script: 'orchestrator:rotate-pii-key',
  procedure: 'services/orchestrator/src/channels/README.md',
  schema: 'orchestrator',
  migrations: orchestratorService.migrations,
  keys: orchestratorPiiKeyConfig,
  rotate: (dataSource, keys, opts) => rotateChannelPiiKey(dataSource, new ChannelPii(keys), opts),
  done: 'every value and address key',
});
