import { calibrate } from './calibration';
import { AccountHistory, FEATURE_COUNT, FEATURE_NAMES, FeatureExtractor } from './features';
import { FeatureMatrix } from './histogram-binning';
import { logisticContributions, logisticMargin } from './logistic-regression';
import { ModelArtifact, parseModelArtifact } from './model-artifact';
import { ReasonCode, topReasons } from './reason-codes';
import { CompiledForest } from './regression-tree';
import { ForestExplainer } from './tree-shap';
import { ScoringModelErrorCode, ScoringModelException } from './scoring-model.exception';

/** A score for one account, with the reasons behind it. */
export interface CreditRiskScore {
  /** Calibrated probability that the next payment is missed. */
  readonly probabilityOfDefault: number;
  /** 1 - probabilityOfDefault: the probability the platform's orchestrator works with. */
  readonly probabilityToPay: number;
  readonly reasons: readonly ReasonCode[];
  /** Features the history could not support, scored with their documented defaults. */
  readonly imputedFeatures: readonly string[];
  readonly modelKind: ModelArtifact['kind'];
}

/** Contributions to the raw margin (log-odds, before calibration): baseValue + sum(contributions) = margin. */
export interface MarginExplanation {
  readonly margin: number;
  readonly baseValue: number;
  readonly contributions: Float64Array;
  readonly values: Float64Array;
  readonly imputed: readonly string[];
}

export const DEFAULT_REASON_COUNT = 4;

/** Rows per block in batch scoring: 256 rows of features are ~80 KB, within a core's L2 cache. */
const BATCH_BLOCK_ROWS = 256;

/**
 * A model loaded from its artifact: scores one account with reasons, or many accounts fast (batch
 * scoring extracts features into one reused matrix and walks flat typed-array trees).
 */
export class CreditRiskModel {
  private readonly extractor = new FeatureExtractor();
  private readonly forest: CompiledForest | undefined;
  private readonly explainer: ForestExplainer | undefined;
  private readonly batchValues = new Float64Array(BATCH_BLOCK_ROWS * FEATURE_COUNT);

  private constructor(readonly artifact: ModelArtifact) {
    if (artifact.kind === 'gradient-boosted-trees') {
      this.forest = new CompiledForest(artifact.trees, artifact.baseScore);
      this.explainer = new ForestExplainer(artifact.trees, artifact.baseScore);
    }
  }

  /** Loads an artifact (an object or its JSON text); throws ScoringModelException on an unknown version. */
  static fromArtifact(artifact: unknown): CreditRiskModel {
    let value: unknown = artifact;
    if (typeof artifact === 'string') {
      try {
        value = JSON.parse(artifact);
      } catch (error) {
        throw new ScoringModelException(
          ScoringModelErrorCode.InvalidModelArtifact,
          `model artifact is not JSON: ${(error as Error).message}`,
        );
      }
    }
    return new CreditRiskModel(parseModelArtifact(value));
  }

  get kind(): ModelArtifact['kind'] {
    return this.artifact.kind;
  }

  /** Depth every tree is padded to for batch scoring (0 for a logistic model). */
  get forestDepth(): number {
    return this.forest?.depth ?? 0;
  }

  /** Raw margin of a feature row. */
  marginOfRow(values: Float64Array, offset = 0): number {
    if (this.forest) return this.forest.margin(values, offset);
    if (this.artifact.kind === 'logistic-regression') return logisticMargin(this.artifact.logistic, values, offset);
    throw new Error('unreachable: unknown model kind');
  }

  /** Raw margins of a feature matrix built with the current feature definition. */
  marginsOfMatrix(matrix: FeatureMatrix, out: Float64Array = new Float64Array(matrix.rows)): Float64Array {
    if (this.forest) return this.forest.margins(matrix, out);
    for (let r = 0; r < matrix.rows; r++) out[r] = this.marginOfRow(matrix.values, r * matrix.features);
    return out;
  }

  /** Calibrated probabilities of default for a feature matrix built with the current feature definition. */
  predictMatrix(matrix: FeatureMatrix, out: Float64Array = new Float64Array(matrix.rows)): Float64Array {
    this.marginsOfMatrix(matrix, out);
    const calibration = this.artifact.calibration;
    for (let r = 0; r < matrix.rows; r++) out[r] = calibrate(calibration, out[r]);
    return out;
  }

  /**
   * Calibrated probabilities of default for many accounts, in order. Rows go through in blocks so the
   * feature block stays in cache between extraction and the tree walk.
   */
  predictBatch(
    histories: readonly AccountHistory[],
    out: Float64Array = new Float64Array(histories.length),
  ): Float64Array {
    const features = FEATURE_COUNT;
    const block = this.batchValues;
    for (let start = 0; start < histories.length; start += BATCH_BLOCK_ROWS) {
      const rows = Math.min(BATCH_BLOCK_ROWS, histories.length - start);
      for (let r = 0; r < rows; r++) this.extractor.extractInto(histories[start + r], block, r * features);
      this.predictMatrix({ values: block, rows, features }, out.subarray(start, start + rows));
    }
    return out;
  }

  /** The margin of one account split into per-feature contributions. */
  explain(history: AccountHistory): MarginExplanation {
    const { values, imputed } = this.extractor.extract(history);
    const artifact = this.artifact;
    if (artifact.kind === 'logistic-regression') {
      const { logistic } = artifact;
      return {
        margin: logisticMargin(logistic, values),
        baseValue: logistic.intercept,
        contributions: logisticContributions(logistic, values),
        values,
        imputed,
      };
    }
    const explainer = this.explainer ?? new ForestExplainer(artifact.trees, artifact.baseScore);
    return {
      margin: this.marginOfRow(values),
      baseValue: explainer.baseValue,
      contributions: explainer.contributions(values, FEATURE_COUNT),
      values,
      imputed,
    };
  }

  /** Scores one account, with the `reasonCount` features that moved its score the most. */
  score(history: AccountHistory, reasonCount = DEFAULT_REASON_COUNT): CreditRiskScore {
    const explanation = this.explain(history);
    const probabilityOfDefault = calibrate(this.artifact.calibration, explanation.margin);
    return {
      probabilityOfDefault,
      probabilityToPay: 1 - probabilityOfDefault,
      reasons: topReasons(
        explanation.contributions,
        explanation.values,
        explanation.imputed,
        reasonCount,
        FEATURE_NAMES,
      ),
      imputedFeatures: explanation.imputed,
      modelKind: this.artifact.kind,
    };
  }
}
