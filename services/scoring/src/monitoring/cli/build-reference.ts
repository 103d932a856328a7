import { readFileSync, writeFileSync } from 'node:fs';
import { CreditRiskModel, FEATURE_NAMES } from '../../model';
import {
  DEFAULT_UCI_TRAINING_FILE,
  CliUsageError,
  parseArguments,
  progress,
  runCli,
} from '../../model/cli/cli-arguments';
import { readUciCsvFile } from '../../model/cli/uci-csv-file';
import { buildFeatureMatrix } from '../../model/domain/feature-matrix';
import { fingerprintAccounts } from '../../model/domain/uci';
import { PRODUCTION_MODEL_FILE } from '../../scores/feature-store.consumer';
import { buildReferenceDistribution } from '../domain/reference-distribution';
import { referenceFileOf } from '../reference-file';

/**
 * Backfills the reference distribution of an existing artifact (no retraining): re-reads the rows
 * the artifact was trained on, checks their fingerprint against the artifact's, and writes the
 * decile cut points and shares of every feature and of the score beside the artifact.
 *
 *   node services/scoring/dist/monitoring/cli/build-reference.js [--model models/uci-gbdt-v1.json] [--data train.csv]
 */
const USAGE = 'usage: build-reference [--model <artifact.json>] [--data <uci.csv>]';

runCli(() => {
  const args = parseArguments(process.argv.slice(2), ['model', 'data'], USAGE);
  const modelFile = args.get('model') ?? PRODUCTION_MODEL_FILE;
  const dataFile = args.get('data') ?? DEFAULT_UCI_TRAINING_FILE;
  const model = CreditRiskModel.fromArtifact(readFileSync(modelFile, 'utf8'));
  const accounts = readUciCsvFile(dataFile);
  const fingerprint = fingerprintAccounts(accounts);
  if (fingerprint !== model.artifact.trainingDataFingerprint) {
    throw new CliUsageError(
      `${dataFile} (${fingerprint}) is not the data ${modelFile} was trained on (${model.artifact.trainingDataFingerprint})`,
    );
  }
  progress(`${accounts.length} training accounts from ${dataFile}`);
  const matrix = buildFeatureMatrix(accounts);
  const probabilitiesOfDefault = model.predictMatrix(matrix);
  const reference = buildReferenceDistribution({
    trainingDataFingerprint: fingerprint,
    featureNames: FEATURE_NAMES,
    values: matrix.values,
    rows: matrix.rows,
    probabilitiesToPay: probabilitiesOfDefault.map((p) => 1 - p),
  });
  const out = referenceFileOf(modelFile);
  writeFileSync(out, `${JSON.stringify(reference, null, 1)}\n`);
  progress(`wrote ${out}`);
});
