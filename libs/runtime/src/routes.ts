import { INestApplication, RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';

/** One HTTP handler as its controller declares it (OpenAPI path style: `/v1/x/{id}`). */
export interface DeclaredRoute {
  /** `GET /v1/ledger/accounts/{id}/balance` */
  key: string;
  /** The status Nest answers with on success (201 for a POST without @HttpCode). */
  status: number;
  /** Names of the @Param()s; '' for a whole-params object. */
  pathParams: string[];
  /** Names of the @Query()s; '' for a whole-query object (any query parameter is read). */
  queryParams: string[];
  /** Names of the @Headers()s read. */
  headers: string[];
}

/** `/v1/ledger/accounts/:id` in Nest and Express is `/v1/ledger/accounts/{id}` in OpenAPI. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** `METHOD /path` of every route the running app's Express router serves (OpenAPI path style). */
export function servedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return express.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods)
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${openApiPath(layer.route!.path)}`)
      : [],
  );
}

/** Every HTTP handler of every controller Nest loaded, from the decorators' metadata. */
export function declaredRoutes(app: INestApplication): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prefix = Reflect.getMetadata(PATH_METADATA, controller) as string | undefined;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler as object) as RequestMethod | undefined;
        if (requestMethod === undefined || prefix === undefined) continue;
        const path = [prefix, Reflect.getMetadata(PATH_METADATA, handler) as string]
          .flatMap((p) => p.split('/'))
          .filter((s) => s !== '')
          .join('/');
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
          string,
          { data?: unknown }
        >;
        const params = Object.entries(args).map(([key, arg]) => ({
          type: Number(key.split(':')[0]),
          name: typeof arg.data === 'string' ? arg.data : '',
        }));
        const of = (type: RouteParamtypes) => params.filter((p) => p.type === Number(type)).map((p) => p.name);
        routes.push({
          key: `${RequestMethod[requestMethod]} ${openApiPath(`/${path}`)}`,
          status:
            (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
            (requestMethod === RequestMethod.POST ? 201 : 200),
          pathParams: of(RouteParamtypes.PARAM),
          queryParams: of(RouteParamtypes.QUERY),
          headers: of(RouteParamtypes.HEADERS),
        });
      }
    }
  }
  return routes;
}
