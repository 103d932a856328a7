import { FeatureExtractor } from './features';
import { LabelledMatrix } from './gradient-boosting';
import { LabelledAccount } from './uci';

/** The labelled feature matrix of some accounts, through the one feature definition. */
export function buildFeatureMatrix(
  accounts: readonly LabelledAccount[],
  extractor: FeatureExtractor = new FeatureExtractor(),
): LabelledMatrix {
  const features = extractor.featureCount;
  const values = new Float64Array(accounts.length * features);
  const labels = new Uint8Array(accounts.length);
  accounts.forEach((account, row) => {
    extractor.extractInto(account.history, values, row * features);
    labels[row] = account.defaulted;
  });
  return { values, labels, rows: accounts.length, features };
}

/** The rows of a matrix at the given indices, in that order. */
export function selectRows(matrix: LabelledMatrix, indices: ArrayLike<number>): LabelledMatrix {
  const { features } = matrix;
  const values = new Float64Array(indices.length * features);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    values.set(matrix.values.subarray(row * features, (row + 1) * features), i * features);
    labels[i] = matrix.labels[row];
  }
  return { values, labels, rows: indices.length, features };
}
