import { declaredRoutes, servedRoutes } from '@collections/runtime';
import { ServiceUnderTest, openApiProblems, readOpenApiDocument, startServiceUnderTest } from '@collections/testing';
import { reportingService } from '../src/reporting.service';

const document = readOpenApiDocument('reporting');

describe('reporting OpenAPI document (real Nest app, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(reportingService);
  });
  afterAll(async () => {
    await sut.close();
  });

  it('documents every route the app serves with its success status and parameters, and serves every documented route', () => {
    expect(openApiProblems(document, servedRoutes(sut.app.app), declaredRoutes(sut.app.app))).toEqual([]);
  });

  it('serves the document as JSON at GET /v1/reporting/openapi.json without credentials', async () => {
    const res = await fetch(`${sut.app.httpUrl}/v1/reporting/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(document);
  });

  it('answers a documented route without credentials with 401, unless the document says it is public', async () => {
    const [path, item] = Object.entries(document.paths).find(([, i]) => i.get && i.get.security === undefined)!;
    const res = await fetch(`${sut.app.httpUrl}${path.replace(/\{[^}]+\}/g, 'x')}`);
    expect({ path, status: res.status }).toEqual({ path, status: 401 });
    expect(item.get!.responses).toHaveProperty('401');
  });
});
