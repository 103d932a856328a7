import { Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { Public } from '@collections/platform';
import { OptOutLinkAnswer, OptOutLinkUseCase } from './opt-out-links';

interface RequestLike {
  ip?: string;
  socket?: { remoteAddress?: string };
}

interface ResponseLike {
  status(code: number): ResponseLike;
  setHeader(name: string, value: string): unknown;
  send(body: string): unknown;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<meta name="robots" content="noindex"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

/** The confirmation page: one button, which POSTs to the same link. Nothing personal on it. */
const CONFIRM = page(
  'Stop these e-mails',
  '<p>Press the button to stop receiving these e-mails at your address.</p>' +
    '<form method="post"><button type="submit">Stop receiving these e-mails</button></form>',
);
const DONE = page('You will not receive these e-mails any more', '<p>Your address is opted out of these e-mails.</p>');
const INVALID = page('This link is not valid', '<p>This link is not valid.</p>');
const UNKNOWN = page('This link is not known', '<p>This link is not known.</p>');
const SLOW_DOWN = page('Too many requests', '<p>Please try again in a moment.</p>');

/**
 * `/opt-out/{token}`, the link in every e-mail (OPT_OUT_URL) and its `List-Unsubscribe`: public
 * (the debtor clicks it; the token is the credential). `GET` shows a confirmation page and
 * records nothing; `POST` (the page's button, or the mailbox's RFC 8058 one-click with
 * `List-Unsubscribe=One-Click`) records the opt-out, 200 again for an address already opted out.
 * An altered token is 400, a token naming nothing sent 404, both without detail; 429 with Retry-After.
 */
@Public()
@Controller('opt-out')
export class OptOutLinkController {
  constructor(@Inject(OptOutLinkUseCase) private readonly optOuts: OptOutLinkUseCase) {}

  @Get(':token')
  async confirm(@Param('token') token: string, @Req() req: RequestLike, @Res() res: ResponseLike): Promise<void> {
    answer(res, await this.optOuts.view(token, clientOf(req)), CONFIRM);
  }

  @Post(':token')
  @HttpCode(200)
  async optOut(@Param('token') token: string, @Req() req: RequestLike, @Res() res: ResponseLike): Promise<void> {
    answer(res, await this.optOuts.record(token, clientOf(req)), DONE);
  }
}

const clientOf = (req: RequestLike) => req.ip ?? req.socket?.remoteAddress ?? 'unknown';

function answer(res: ResponseLike, outcome: OptOutLinkAnswer, valid: string): void {
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('referrer-policy', 'no-referrer');
  switch (outcome.kind) {
    case 'valid':
      res.status(200).send(valid);
      return;
    case 'invalid':
      res.status(400).send(INVALID);
      return;
    case 'unknown':
      res.status(404).send(UNKNOWN);
      return;
    case 'rate-limited':
      res.setHeader('retry-after', String(outcome.retryAfterSeconds));
      res.status(429).send(SLOW_DOWN);
      return;
  }
}
