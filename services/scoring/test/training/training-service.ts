import { readFileSync } from 'node:fs';
import { ServiceDefinition } from '@collections/runtime';
import { DEFAULT_UCI_TRAINING_FILE } from '../../src/model/cli/cli-arguments';
import { scoringService } from '../../src/scoring.service';
import { MODEL_TRAINING_CONFIG, ModelTrainingConfig } from '../../src/training/model-training.config';

/** `rows` clients of the project's UCI training file from `from` on, as CSV text. */
export function uciRows(from: number, rows: number): string {
  const lines = readFileSync(DEFAULT_UCI_TRAINING_FILE, 'utf8').split('\n');
  return `${[lines[0], ...lines.slice(1 + from, 1 + from + rows)].join('\n')}\n`;
}

/** The scoring service with its training directories pointed at a scratch folder. */
export function withTrainingConfig(config: ModelTrainingConfig): ServiceDefinition {
  return {
    ...scoringService,
    module: (ctx) => {
      const module = scoringService.module(ctx);
      return {
        ...module,
        providers: [...(module.providers ?? []), { provide: MODEL_TRAINING_CONFIG, useValue: config }],
      };
    },
  };
}
