import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { scoring } from '@collections/contracts';
import { AppError, Clock, ROLES, currentPrincipal, requireRole } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import {
  CreditRiskModel,
  DEFAULT_TRAINING_OPTIONS,
  FEATURE_NAMES,
  ModelArtifact,
  ScoringModelException,
  parseUciCsv,
  trainCreditRiskModel,
} from '../../../model';
import { buildFeatureMatrix } from '../../../model/domain/feature-matrix';
import { LabelledAccount, fingerprintAccounts } from '../../../model/domain/uci';
import { buildReferenceDistribution } from '../../../monitoring/domain/reference-distribution';
import { referenceFileOf } from '../../../monitoring/reference-file';
import { MODEL_TRAINING_CONFIG, ModelTrainingConfig } from '../../model-training.config';
import { DatasetSource, TrainModelCommand } from './train-model.command';

/** Role a user token needs to train models; service API keys may (they are operators' tools). */
export const MODEL_TRAINER_ROLE = ROLES.scoringAdmin;

/**
 * Trains the production recipe on a UCI-format data set and stores the artifact, with its
 * reference distribution for stability monitoring, as a new version in the models directory. An
 * existing version is never replaced: the files are written aside and hard-linked into place,
 * which fails if the name is taken, even by a concurrent training. A training that died between
 * the artifact and its reference (a marker file, `<version>.json.training`, is there from before
 * the one to after the other) is completed by the same request again (the artifact's
 * training-data fingerprint and seed): its reference is built from the artifact already there,
 * and the answer is that artifact's.
 */
@Injectable()
export class TrainModelUseCase {
  private readonly clock: Clock;
  private readonly logger: ServiceContext['logger'];

  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(MODEL_TRAINING_CONFIG) private readonly config: ModelTrainingConfig,
  ) {
    this.clock = ctx.clock;
    this.logger = ctx.logger;
  }

  async execute(command: TrainModelCommand): Promise<scoring.TrainModelResponse> {
    requireRole(currentPrincipal(), [MODEL_TRAINER_ROLE], 'training a model');
    const artifactFile = `${command.modelVersion}.json`;
    const artifactPath = join(this.config.modelsDirectory, artifactFile);
    const referencePath = referenceFileOf(artifactPath);
    // Present from before the artifact is linked until its reference is: a training under way, or
    // one that died between the two (an artifact without a reference is otherwise not ours to
    // complete: a shipped model may have none).
    const markerPath = `${artifactPath}.training`;
    if (existsSync(referencePath)) throw this.taken(command.modelVersion);
    const artifactThere = existsSync(artifactPath);
    const unfinished = artifactThere ? await this.unfinished(artifactPath, markerPath) : undefined;
    if (artifactThere && !unfinished) throw this.taken(command.modelVersion);

    const accounts = this.parse(await this.readDataset(command.dataset));
    let artifact: ModelArtifact;
    if (unfinished) {
      // The same request again (data and seed): it completes the version; anything else is refused.
      if (unfinished.trainingDataFingerprint !== fingerprintAccounts(accounts) || unfinished.seed !== command.seed)
        throw this.taken(command.modelVersion);
      artifact = unfinished;
    } else {
      try {
        artifact = trainCreditRiskModel(accounts, {
          ...DEFAULT_TRAINING_OPTIONS,
          seed: command.seed,
          createdAt: this.clock.now().toISOString(),
        });
      } catch (error) {
        if (error instanceof ScoringModelException) throw AppError.invalid(error.message, { field: error.field });
        throw error;
      }
    }
    const model = CreditRiskModel.fromArtifact(artifact);
    const matrix = buildFeatureMatrix(accounts);
    const reference = buildReferenceDistribution({
      trainingDataFingerprint: artifact.trainingDataFingerprint,
      featureNames: FEATURE_NAMES,
      values: matrix.values,
      rows: matrix.rows,
      probabilitiesToPay: model.predictMatrix(matrix).map((p) => 1 - p),
    });

    await mkdir(this.config.modelsDirectory, { recursive: true });
    if (!unfinished) {
      await writeFile(markerPath, `${command.seed}\n`);
      await this.writeNew(artifactPath, JSON.stringify(artifact), command.modelVersion);
    }
    // A retry that completed the version meanwhile wrote the same reference: that is success too.
    await this.writeNew(
      referencePath,
      `${JSON.stringify(reference, null, 2)}\n`,
      command.modelVersion,
      (existing) => fingerprintOf(existing) === artifact.trainingDataFingerprint,
    );
    await unlink(markerPath).catch(() => undefined);
    if (unfinished)
      this.logger.info(
        { modelVersion: command.modelVersion },
        'model version completed: its reference distribution was missing (a training that died before writing it)',
      );

    const validation = artifact.metrics.validation;
    return {
      modelVersion: command.modelVersion,
      artifactFile,
      modelKind: artifact.kind,
      trainingDataFingerprint: artifact.trainingDataFingerprint,
      trainingRows: artifact.trainingRows,
      validationRows: artifact.validationRows,
      validationMetrics: {
        auc: validation.auc,
        ks: validation.ks,
        brier: validation.brier,
        logloss: validation.logloss,
        n: validation.n,
      },
      calibration: artifact.calibration.method,
      createdAt: new Date(artifact.createdAt),
    };
  }

  private taken(version: string): AppError {
    return AppError.alreadyExists(`model version ${version} exists already; train under a new version name`, {
      field: 'model_version',
    });
  }

  private async readDataset(source: DatasetSource): Promise<string> {
    if (source.kind === 'csv') return source.csv;
    const root = this.config.datasetsDirectory;
    if (root === undefined) {
      throw AppError.failedPrecondition(
        'dataset_path needs SCORING_DATASETS_DIR; upload the CSV in dataset_csv instead',
      );
    }
    const path = resolve(root, source.path);
    const inside = relative(resolve(root), path);
    if (isAbsolute(source.path) || inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw AppError.invalid('dataset_path must name a file inside the datasets directory', { field: 'dataset_path' });
    }
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw AppError.notFound(`dataset ${source.path} does not exist`, { field: 'dataset_path' });
      }
      throw error;
    }
  }

  private parse(csv: string): LabelledAccount[] {
    try {
      return parseUciCsv(csv, 'dataset');
    } catch (error) {
      if (error instanceof ScoringModelException) throw AppError.invalid(error.message, { field: error.field });
      throw error;
    }
  }

  /** The artifact of a training of this version that died before its reference (the marker says so). */
  private async unfinished(artifactPath: string, markerPath: string): Promise<ModelArtifact | undefined> {
    if (!existsSync(markerPath)) return undefined;
    try {
      return JSON.parse(await readFile(artifactPath, 'utf8')) as ModelArtifact;
    } catch {
      return undefined; // not readable: not completed here
    }
  }

  /**
   * Creates `path` with `content`, complete or not at all; ALREADY_EXISTS when the name is taken
   * (unless `same` says the file there is this one).
   */
  private async writeNew(
    path: string,
    content: string,
    version: string,
    same?: (existing: string) => boolean,
  ): Promise<void> {
    const staging = `${path}.${randomUUID()}.tmp`;
    await writeFile(staging, content, { flag: 'wx' });
    try {
      await link(staging, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!same?.(await readFile(path, 'utf8'))) throw this.taken(version);
    } finally {
      await unlink(staging);
    }
  }
}

/** The training-data fingerprint a reference file names, if it is readable. */
function fingerprintOf(referenceJson: string): string | undefined {
  try {
    return (JSON.parse(referenceJson) as { trainingDataFingerprint?: string }).trainingDataFingerprint;
  } catch {
    return undefined;
  }
}
