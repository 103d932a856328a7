import { readFileSync } from 'node:fs';
import { Controller, Get, Type } from '@nestjs/common';
import { parse } from 'yaml';
import { Public } from './auth';

/** The route, under a service's REST prefix, that serves its OpenAPI document. */
export const OPENAPI_DOCUMENT_ROUTE = 'openapi.json';

/**
 * A controller serving a service's OpenAPI document (services/<service>/openapi.yaml, generated
 * by scripts/openapi.mjs) as JSON at GET /<prefix>/openapi.json. Public, like /health: it
 * describes the API and holds no tenant data, and tools fetch it without credentials. The file is
 * read on first use, not at boot: a missing document must not stop the service from serving.
 */
export function openApiController(prefix: string, documentPath: string): Type<unknown> {
  @Public()
  @Controller(prefix)
  class OpenApiDocumentController {
    private document: unknown;

    @Get(OPENAPI_DOCUMENT_ROUTE)
    getDocument(): unknown {
      this.document ??= parse(readFileSync(documentPath, 'utf8'));
      return this.document;
    }
  }
  return OpenApiDocumentController;
}
