import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { promises } from '@collections/contracts';
import { ErrorCode, Public, isAppError } from '@collections/platform';
import { SelfServiceCaller, SelfServiceUseCase } from './usecases/self-service.usecase';

export const PAYMENT_LINK_TOKEN_HEADER = 'x-payment-link-token';

interface RequestLike {
  ip?: string;
  socket?: { remoteAddress?: string };
}

interface ResponseLike {
  setHeader(name: string, value: string): unknown;
}

/**
 * The payment-link landing API, for the debtor's browser: no API key, the link's token (in the
 * x-payment-link-token header, so it stays out of URLs and their logs) says which tenant's account
 * it may see. A 429 carries Retry-After.
 */
@Public()
@Controller('v1/self-service')
export class SelfServiceController {
  constructor(@Inject(SelfServiceUseCase) private readonly selfService: SelfServiceUseCase) {}

  @Get()
  async view(
    @Headers(PAYMENT_LINK_TOKEN_HEADER) token: string | undefined,
    @Req() req: RequestLike,
    @Res({ passthrough: true }) res: ResponseLike,
  ) {
    return retryAfter(res, () => this.selfService.view(caller(token, req)));
  }

  @Post('accept')
  @HttpCode(201)
  async accept(
    @Headers(PAYMENT_LINK_TOKEN_HEADER) token: string | undefined,
    @Body() body: unknown,
    @Req() req: RequestLike,
    @Res({ passthrough: true }) res: ResponseLike,
  ) {
    const request = promises.AcceptSelfServiceOfferRequest.fromJSON(body ?? {});
    return retryAfter(res, () => this.selfService.accept(caller(token, req), request));
  }
}

function caller(token: string | undefined, req: RequestLike): SelfServiceCaller {
  return { token: token || undefined, clientAddress: req.ip ?? req.socket?.remoteAddress ?? 'unknown' };
}

/** Sets Retry-After on a rate-limited answer (the error filter writes the 429 itself). */
async function retryAfter<T>(res: ResponseLike, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isAppError(err) && err.code === ErrorCode.RateLimited) {
      res.setHeader('Retry-After', String(err.details?.retryAfterSeconds ?? 1));
    }
    throw err;
  }
}
