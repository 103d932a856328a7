import { scoring } from '@collections/contracts';
import { AppError } from '@collections/platform';
import { DEFAULT_TRAINING_OPTIONS } from '../../../model';

/** Artifact version names: safe as file names, never a path, never the reference's suffix. */
const VERSION_PATTERN = /^[a-z0-9][a-z0-9.-]{0,63}$/;

export type DatasetSource = { kind: 'path'; path: string } | { kind: 'csv'; csv: string };

/** A request to train a model; built only through `from`, which checks it whatever the transport. */
export class TrainModelCommand {
  private constructor(
    readonly modelVersion: string,
    readonly dataset: DatasetSource,
    readonly seed: number,
  ) {}

  static from(request: scoring.TrainModelRequest): TrainModelCommand {
    const version = request.modelVersion;
    if (!VERSION_PATTERN.test(version) || version.endsWith('.reference') || version.includes('..')) {
      throw AppError.invalid(
        `model_version ${JSON.stringify(version)} must be 1-64 lower-case letters, digits, '.' or '-', starting with a letter or digit`,
        { field: 'model_version' },
      );
    }
    let dataset: DatasetSource;
    if (request.datasetPath !== undefined && request.datasetPath !== '') {
      dataset = { kind: 'path', path: request.datasetPath };
    } else if (request.datasetCsv !== undefined && request.datasetCsv.length > 0) {
      dataset = { kind: 'csv', csv: Buffer.from(request.datasetCsv).toString('utf8') };
    } else {
      throw AppError.invalid('one of dataset_path or dataset_csv is required', { field: 'dataset' });
    }
    if (!Number.isInteger(request.seed) || request.seed < 0) {
      throw AppError.invalid('seed must be a non-negative integer', { field: 'seed' });
    }
    return new TrainModelCommand(version, dataset, request.seed === 0 ? DEFAULT_TRAINING_OPTIONS.seed : request.seed);
  }
}
