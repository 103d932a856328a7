import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError, status } from '@grpc/grpc-js';
import { scoring } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { CreditRiskModel, FEATURE_NAMES, parseUciCsv } from '../../src/model';
import { fingerprintAccounts } from '../../src/model/domain/uci';
import { parseReferenceDistribution } from '../../src/monitoring/domain/reference-distribution';
import { ModelTrainingConfig } from '../../src/training/model-training.config';
import { uciRows, withTrainingConfig } from './training-service';

describe('scoring TrainModel: trains over gRPC and stores a new artifact version (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof scoring.ScoringServiceService>>;
  let scratch: string;
  let config: ModelTrainingConfig;
  const md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => status.OK,
      (err: ServiceError) => err.code,
    );
  const request = (fields: Partial<scoring.TrainModelRequest>) =>
    scoring.TrainModelRequest.fromPartial({ seed: 0, ...fields });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'scoring-train-'));
    const datasets = join(scratch, 'datasets');
    config = { modelsDirectory: join(scratch, 'models'), datasetsDirectory: datasets };
    mkdirSync(datasets);
    writeFileSync(join(datasets, 'uci-3000.csv'), uciRows(0, 3_000));
    sut = await startServiceUnderTest(withTrainingConfig(config));
    // Training is a long call (seconds on a quiet machine, more on a busy one), as an operator's client would allow.
    client = grpcClient(scoring.ScoringServiceService, sut.app.grpcAddress, { deadlineMs: 100_000 });
  });
  afterAll(async () => {
    client.close();
    await sut.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('trains on a dataset file and writes a loadable artifact with its reference distribution', async () => {
    const csv = uciRows(0, 3_000);
    const response = await client.trainModel(
      request({ modelVersion: 'uci-gbdt-small-1', datasetPath: 'uci-3000.csv' }),
      md(),
    );

    expect(response).toMatchObject({
      modelVersion: 'uci-gbdt-small-1',
      artifactFile: 'uci-gbdt-small-1.json',
      trainingRows: 3_000,
      validationRows: 600,
      trainingDataFingerprint: fingerprintAccounts(parseUciCsv(csv)),
    });
    expect(['gradient-boosted-trees', 'logistic-regression']).toContain(response.modelKind);
    expect(response.validationMetrics?.n).toBe(600);
    expect(response.validationMetrics?.auc).toBeGreaterThan(0.7);
    expect(response.createdAt).toEqual(sut.clock.now());

    const artifactText = readFileSync(join(config.modelsDirectory, response.artifactFile), 'utf8');
    const model = CreditRiskModel.fromArtifact(artifactText);
    expect(model.artifact.trainingDataFingerprint).toBe(response.trainingDataFingerprint);
    expect(model.artifact.metrics.validation.auc).toBe(response.validationMetrics?.auc);
    const reference = parseReferenceDistribution(
      JSON.parse(readFileSync(join(config.modelsDirectory, 'uci-gbdt-small-1.reference.json'), 'utf8')),
      { trainingDataFingerprint: response.trainingDataFingerprint, featureNames: FEATURE_NAMES },
    );
    expect(reference.rows).toBe(3_000);
  });

  it('never replaces an existing version', async () => {
    const path = join(config.modelsDirectory, 'uci-gbdt-small-1.json');
    const before = readFileSync(path, 'utf8');
    const modifiedBefore = statSync(path).mtimeMs;

    const again = client.trainModel(
      request({ modelVersion: 'uci-gbdt-small-1', datasetCsv: Buffer.from(uciRows(3_000, 500)) }),
      md(),
    );

    expect(await codeOf(again)).toBe(status.ALREADY_EXISTS);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(statSync(path).mtimeMs).toBe(modifiedBefore);
  });

  it('trains on uploaded CSV bytes under a new version', async () => {
    const csv = uciRows(5_000, 2_000);
    const response = await client.trainModel(
      request({ modelVersion: 'uci-gbdt-upload', datasetCsv: Buffer.from(csv), seed: 7 }),
      md(),
    );

    expect(response.trainingRows).toBe(2_000);
    expect(response.trainingDataFingerprint).toBe(fingerprintAccounts(parseUciCsv(csv)));
    expect(
      CreditRiskModel.fromArtifact(readFileSync(join(config.modelsDirectory, 'uci-gbdt-upload.json'), 'utf8')).artifact
        .seed,
    ).toBe(7);
  });

  it('refuses paths outside the datasets directory, missing files, bad names and bad CSV', async () => {
    expect(
      await codeOf(client.trainModel(request({ modelVersion: 'x1', datasetPath: '../../etc/passwd' }), md())),
    ).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(client.trainModel(request({ modelVersion: 'x1', datasetPath: '/etc/passwd' }), md()))).toBe(
      status.INVALID_ARGUMENT,
    );
    expect(await codeOf(client.trainModel(request({ modelVersion: 'x1', datasetPath: 'missing.csv' }), md()))).toBe(
      status.NOT_FOUND,
    );
    expect(await codeOf(client.trainModel(request({ modelVersion: '../x', datasetPath: 'uci-3000.csv' }), md()))).toBe(
      status.INVALID_ARGUMENT,
    );
    expect(await codeOf(client.trainModel(request({ modelVersion: 'x1' }), md()))).toBe(status.INVALID_ARGUMENT);
    expect(
      await codeOf(client.trainModel(request({ modelVersion: 'x1', datasetCsv: Buffer.from('ID,X1\n1,2\n') }), md())),
    ).toBe(status.INVALID_ARGUMENT);
    expect(statSync(config.modelsDirectory).isDirectory()).toBe(true);
    expect(() => statSync(join(config.modelsDirectory, 'x1.json'))).toThrow();
  });
});
