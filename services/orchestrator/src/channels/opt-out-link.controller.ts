import { Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Public } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { OptOutPage, localeOfAcceptLanguage, renderOptOutPage } from './opt-out-link.pages';
import { OptOutLinkAnswer, OptOutLinkUseCase } from './opt-out-links';

interface RequestLike {
  ip?: string;
  socket?: { remoteAddress?: string };
  headers?: Record<string, string | string[] | undefined>;
}

interface ResponseLike {
  status(code: number): ResponseLike;
  setHeader(name: string, value: string): unknown;
  send(body: string): unknown;
}

/**
 * `/opt-out/{token}`, the link in every e-mail (OPT_OUT_URL) and its `List-Unsubscribe`, and in an
 * SMS sent from a one-way sender (an alphanumeric id, which takes no "reply STOP"): public
 * (the debtor clicks it; the token is the credential). `GET` shows a confirmation page and
 * records nothing; `POST` (the page's button, or the mailbox's RFC 8058 one-click with
 * `List-Unsubscribe=One-Click`) records the opt-out, 200 again for an address already opted out.
 * An altered token is 400, a token naming nothing sent 404, both without detail; 429 with Retry-After;
 * an unexpected failure 500 with an error id (its cause logged under that id).
 * Every page speaks the locale the link's e-mail was written in (its debtor's); where the link
 * names no debtor the service knows, the request's `Accept-Language` where it names one of
 * `LOCALES`, else English (`opt-out-link.pages.ts`).
 */
@Public()
@Controller('opt-out')
export class OptOutLinkController {
  constructor(
    @Inject(OptOutLinkUseCase) private readonly optOuts: OptOutLinkUseCase,
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
  ) {}

  @Get(':token')
  async confirm(@Param('token') token: string, @Req() req: RequestLike, @Res() res: ResponseLike): Promise<void> {
    await this.answer(req, res, () => this.optOuts.view(token, clientOf(req)), 'confirm');
  }

  @Post(':token')
  @HttpCode(200)
  async optOut(@Param('token') token: string, @Req() req: RequestLike, @Res() res: ResponseLike): Promise<void> {
    await this.answer(req, res, () => this.optOuts.record(token, clientOf(req)), 'done');
  }

  private async answer(
    req: RequestLike,
    res: ResponseLike,
    run: () => Promise<OptOutLinkAnswer>,
    valid: OptOutPage,
  ): Promise<void> {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('referrer-policy', 'no-referrer');
    const requested = () => localeOfAcceptLanguage(headerOf(req, 'accept-language')) ?? 'en';
    let outcome: OptOutLinkAnswer;
    try {
      outcome = await run();
    } catch (err) {
      // The HTTP filter's answer (an error id, the cause logged under it), as a page the debtor can read.
      const errorId = randomUUID();
      this.ctx.logger.error({ err, errorId }, 'unexpected error on an opt-out link');
      res.status(500).send(renderOptOutPage('error', requested(), errorId));
      return;
    }
    const locale = outcome.locale ?? requested();
    switch (outcome.kind) {
      case 'valid':
        res.status(200).send(renderOptOutPage(valid, locale, undefined, outcome.channel));
        return;
      case 'invalid':
        res.status(400).send(renderOptOutPage('invalid', locale));
        return;
      case 'unknown':
        res.status(404).send(renderOptOutPage('unknown', locale));
        return;
      case 'rate-limited':
        res.setHeader('retry-after', String(outcome.retryAfterSeconds));
        res.status(429).send(renderOptOutPage('slowDown', locale));
        return;
    }
  }
}

const clientOf = (req: RequestLike) => req.ip ?? req.socket?.remoteAddress ?? 'unknown';

const headerOf = (req: RequestLike, name: string): string | undefined => {
  const value = req.headers?.[name];
  return Array.isArray(value) ? value.join(',') : value;
};
