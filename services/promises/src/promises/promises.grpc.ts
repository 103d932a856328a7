import { Controller, Inject } from '@nestjs/common';
import { promises } from '@collections/contracts';
import { AppError, currentTenantId, localDate } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { validatePromise } from './domain/promise';
import { PromisesRepository, mapPromise } from './promises.repository';

/** Accounts' time zone arrives with the ledger's debtor data (ledger issue); until then UTC. */
const ACCOUNT_TIME_ZONE = 'UTC';

@Controller()
@promises.PromisesServiceControllerMethods()
export class PromisesGrpcController implements promises.PromisesServiceController {
  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    private readonly repo: PromisesRepository,
  ) {}

  async createPromise(request: promises.CreatePromiseRequest): Promise<promises.CreatePromiseResponse> {
    const tenantId = currentTenantId();
    const now = this.ctx.clock.now();
    const input = validatePromise(request, localDate(now, ACCOUNT_TIME_ZONE));
    const row = await this.ctx.dataSource.transaction((tx) => this.repo.create(tx, tenantId, input, now));
    return { promise: mapPromise(row) };
  }

  async getPromise(request: promises.GetPromiseRequest): Promise<promises.GetPromiseResponse> {
    const row = await this.repo.find(this.ctx.dataSource.manager, currentTenantId(), request.promiseId);
    if (!row) throw AppError.notFound(`promise ${request.promiseId} does not exist`);
    return { promise: mapPromise(row) };
  }
}
