import { existsSync, readFileSync } from 'node:fs';
import { CreditRiskModel, FEATURE_NAMES } from '../model';
import { ReferenceDistribution, parseReferenceDistribution } from './domain/reference-distribution';

/** The reference distribution of an artifact sits beside it: `uci-gbdt-v1.json` -> `uci-gbdt-v1.reference.json`. */
export function referenceFileOf(artifactFile: string): string {
  return artifactFile.replace(/\.json$/, '') + '.reference.json';
}

/** The reference of a model, or undefined when none was built for it (stability is then not reported). */
export function loadReferenceDistribution(
  artifactFile: string,
  model: CreditRiskModel,
): ReferenceDistribution | undefined {
  const file = referenceFileOf(artifactFile);
  if (!existsSync(file)) return undefined;
  return parseReferenceDistribution(JSON.parse(readFileSync(file, 'utf8')), {
    trainingDataFingerprint: model.artifact.trainingDataFingerprint,
    featureNames: FEATURE_NAMES,
  });
}
