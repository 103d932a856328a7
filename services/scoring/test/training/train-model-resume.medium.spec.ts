import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError, status } from '@grpc/grpc-js';
import { scoring } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ModelTrainingConfig } from '../../src/training/model-training.config';
import { uciRows, withTrainingConfig } from './training-service';
import { TrainModelUseCase } from '../../src/training/usecases/train-model/train-model.usecase';

type WriteNew = (path: string, content: string, version: string) => Promise<void>;

/** A training's process dies as it is about to write `file` (the files before it are in place). */
function dieBeforeWriting(file: string) {
  const prototype = TrainModelUseCase.prototype as unknown as { writeNew: WriteNew };
  const writeNew = prototype.writeNew;
  return jest.spyOn(prototype, 'writeNew').mockImplementation(async function (
    this: unknown,
    path: string,
    content: string,
    version: string,
  ) {
    if (path === file) throw new Error('process died');
    return writeNew.call(this, path, content, version);
  });
}

/** What an artifact and its reference both say of the data they come from. */
interface Fingerprinted {
  trainingDataFingerprint: string;
}

/**
 * TrainModel stores a version as two files, the artifact and then its reference distribution
 * (stability monitoring), each written aside and linked into place. A process that dies between
 * the two leaves the artifact alone; the operator's retry of the same call must end with the
 * whole version (artifact and reference), not a version that can never be completed.
 */
describe('scoring TrainModel retried after the process died between the artifact and its reference (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof scoring.ScoringServiceService>>;
  let scratch: string;
  let config: ModelTrainingConfig;
  const md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  const request = (fields: Partial<scoring.TrainModelRequest>) =>
    scoring.TrainModelRequest.fromPartial({ seed: 0, ...fields });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'scoring-train-resume-'));
    config = { modelsDirectory: join(scratch, 'models'), datasetsDirectory: undefined };
    sut = await startServiceUnderTest(withTrainingConfig(config));
    client = grpcClient(scoring.ScoringServiceService, sut.app.grpcAddress, { deadlineMs: 100_000 });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    client.close();
    await sut.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('ends with the artifact and its reference distribution when the retry comes after a crash between the two', async () => {
    const version = 'uci-gbdt-crash-1';
    const artifact = join(config.modelsDirectory, `${version}.json`);
    const reference = join(config.modelsDirectory, `${version}.reference.json`);
    const csv = Buffer.from(uciRows(0, 2_000));

    // The first call writes the artifact into place, then its process dies before the reference.
    const dying = dieBeforeWriting(reference);
    await expect(client.trainModel(request({ modelVersion: version, datasetCsv: csv }), md())).rejects.toBeDefined();
    dying.mockRestore();
    expect(existsSync(artifact)).toBe(true);

    // The operator (or the client's retry) asks again for the same version, on the same data.
    const retried = await client.trainModel(request({ modelVersion: version, datasetCsv: csv }), md()).then(
      (r) => ({ code: status.OK, modelVersion: r.modelVersion }),
      (err: ServiceError) => ({ code: err.code, modelVersion: '' }),
    );
    expect({ ...retried, artifact: existsSync(artifact), reference: existsSync(reference) }).toEqual({
      code: status.OK,
      modelVersion: version,
      artifact: true,
      reference: true,
    });
    expect(existsSync(`${artifact}.training`)).toBe(false); // no training of it under way any more
    // The reference is the artifact's (the monitoring reads it only if the fingerprints agree).
    const [made, ref] = [artifact, reference].map((f) => JSON.parse(readFileSync(f, 'utf8')) as Fingerprinted);
    expect(ref.trainingDataFingerprint).toBe(made.trainingDataFingerprint);

    // The version is whole now: asked again, even on the same data, it exists already.
    await expect(client.trainModel(request({ modelVersion: version, datasetCsv: csv }), md())).rejects.toMatchObject({
      code: status.ALREADY_EXISTS,
    });
  });

  it('does not complete an unfinished version from other data: the version name is taken', async () => {
    const version = 'uci-gbdt-crash-2';
    const artifact = join(config.modelsDirectory, `${version}.json`);
    const reference = join(config.modelsDirectory, `${version}.reference.json`);
    const dying = dieBeforeWriting(reference);
    await expect(
      client.trainModel(request({ modelVersion: version, datasetCsv: Buffer.from(uciRows(0, 2_000)) }), md()),
    ).rejects.toBeDefined();
    dying.mockRestore();

    await expect(
      client.trainModel(request({ modelVersion: version, datasetCsv: Buffer.from(uciRows(2_000, 2_000)) }), md()),
    ).rejects.toMatchObject({ code: status.ALREADY_EXISTS });
    expect([existsSync(artifact), existsSync(reference)]).toEqual([true, false]);
  });

  it('does not complete an artifact no training left unfinished (a shipped model without a reference), nor a retry with another seed', async () => {
    const csv = Buffer.from(uciRows(0, 2_000));
    // A model delivered as a file, without a reference: the same data is no claim on it.
    await client.trainModel(request({ modelVersion: 'uci-gbdt-whole', datasetCsv: csv }), md());
    const shipped = join(config.modelsDirectory, 'uci-shipped-v1.json');
    copyFileSync(join(config.modelsDirectory, 'uci-gbdt-whole.json'), shipped);
    await expect(
      client.trainModel(request({ modelVersion: 'uci-shipped-v1', datasetCsv: csv }), md()),
    ).rejects.toMatchObject({ code: status.ALREADY_EXISTS });
    expect(existsSync(join(config.modelsDirectory, 'uci-shipped-v1.reference.json'))).toBe(false);

    // A training that died, asked again with another seed: not the same request.
    const version = 'uci-gbdt-crash-3';
    const dying = dieBeforeWriting(join(config.modelsDirectory, `${version}.reference.json`));
    await expect(client.trainModel(request({ modelVersion: version, datasetCsv: csv }), md())).rejects.toBeDefined();
    dying.mockRestore();
    await expect(
      client.trainModel(request({ modelVersion: version, datasetCsv: csv, seed: 7 }), md()),
    ).rejects.toMatchObject({ code: status.ALREADY_EXISTS });
  });
});
