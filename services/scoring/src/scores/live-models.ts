import { readFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { CreditRiskModel } from '../model';
import { ModelArm, armOf } from './domain/model-assignment';
import { ScoresErrorCode, ScoresException } from './domain/scores.exception';

/** Nest token of the process's LiveModels (monitoring reads the champion's reference from it). */
export const LIVE_MODELS = Symbol('LIVE_MODELS');

/** Where the service's model artifacts live: `models/<name>.json`. */
export const MODELS_DIR = join(__dirname, '..', '..', 'models');

export interface LiveModel {
  /** `<artifact name>#<12 hex of the training data fingerprint>`, e.g. `uci-gbdt-v1#3f0c…`. */
  readonly version: string;
  readonly model: CreditRiskModel;
  /** The artifact file it was loaded from (its monitoring reference sits beside it). */
  readonly file?: string;
}

export interface ChampionChallengerConfig {
  /** Artifact name in models/ (without .json) or a path to an artifact file. */
  readonly champion: string;
  /** Undefined: no challenger. */
  readonly challenger?: string;
  /** Share of accounts (0..1) scored by the challenger too. */
  readonly challengerShare: number;
}

function artifactFile(name: string): string {
  return isAbsolute(name) || name.endsWith('.json') ? name : join(MODELS_DIR, `${name}.json`);
}

export function loadLiveModel(name: string): LiveModel {
  const file = artifactFile(name);
  const model = CreditRiskModel.fromArtifact(readFileSync(file, 'utf8'));
  const fingerprint = model.artifact.trainingDataFingerprint.replace(/^sha256:/, '').slice(0, 12);
  return { version: `${basename(file, '.json')}#${fingerprint}`, model, file };
}

/**
 * The models live in this process: the champion (its score drives the segment, priority and
 * events) and optionally a challenger, which also scores a stable share of accounts; its score is
 * stored beside the champion's for comparison and drives nothing.
 */
export class LiveModels {
  constructor(
    readonly champion: LiveModel,
    readonly challenger: LiveModel | undefined,
    readonly challengerShare: number,
  ) {
    if (!(challengerShare >= 0 && challengerShare <= 1)) throw new Error('challengerShare must be within [0, 1]');
    if (challenger && challenger.version === champion.version) {
      throw new Error(`champion and challenger are the same model (${champion.version})`);
    }
  }

  static load(config: ChampionChallengerConfig): LiveModels {
    const challenger = config.challenger ? loadLiveModel(config.challenger) : undefined;
    return new LiveModels(loadLiveModel(config.champion), challenger, challenger ? config.challengerShare : 0);
  }

  get versions(): string[] {
    return this.challenger ? [this.champion.version, this.challenger.version] : [this.champion.version];
  }

  armOf(tenantId: string, accountId: string): ModelArm {
    return this.challenger ? armOf(tenantId, accountId, this.challengerShare) : 'champion';
  }

  /** The live model of that version; empty means the champion. Anything else is UNKNOWN_MODEL_VERSION. */
  byVersion(version: string): LiveModel {
    if (!version || version === this.champion.version) return this.champion;
    if (this.challenger && version === this.challenger.version) return this.challenger;
    throw new ScoresException(
      ScoresErrorCode.UnknownModelVersion,
      `model version ${JSON.stringify(version)} is not live; live versions: ${this.versions.join(', ')}`,
      'model_version',
    );
  }
}
