import {
  Controller,
  ForbiddenException,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { IncomingMessage } from 'node:http';
import { Public } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { AgentTaskContactLaw } from '../agents/usecases/agent-task-contact-law';
import { recordContactOutcomes } from '../dispatch/contact-outcomes';
import { applyWebhookEvents } from './channel-records';
import { CHANNEL_PROVIDERS, ChannelProviders } from './config';
import { ChannelProvider, WebhookRequest } from './domain';

type RawRequest = IncomingMessage & { rawBody?: Buffer; body?: unknown; originalUrl?: string; protocol?: string };

/** The body exactly as it came: signatures are over these bytes. */
async function rawBodyOf(req: RawRequest): Promise<string> {
  if (req.rawBody) return req.rawBody.toString('utf8');
  if (req.body && typeof req.body === 'object' && Object.keys(req.body as object).length > 0)
    return new URLSearchParams(req.body as Record<string, string>).toString();
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Delivery receipts and inbound messages. Providers carry no API key: the routes are public and
 * every request must carry the provider's valid signature, or nothing is recorded (403).
 */
@Public()
@Controller('webhooks/:tenant')
export class ChannelWebhooksController {
  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(CHANNEL_PROVIDERS) private readonly providers: ChannelProviders,
    /** The service's contact law on agents' tasks: a STOP puts the debtor's tasks on the channel to it. */
    @Inject(AgentTaskContactLaw) private readonly law: AgentTaskContactLaw,
  ) {}

  @Post('sms')
  @HttpCode(200)
  @Header('content-type', 'text/xml')
  async sms(@Param('tenant') tenant: string, @Req() req: RawRequest): Promise<string> {
    await this.handle(tenant, this.providers.sms, req);
    return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
  }

  /** Twilio voice: call progress callbacks and the voice bot's <Gather> results. */
  @Post('call')
  @HttpCode(200)
  @Header('content-type', 'text/xml')
  async call(@Param('tenant') tenant: string, @Req() req: RawRequest): Promise<string> {
    await this.handle(tenant, this.providers.call, req);
    return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
  }

  @Get('whatsapp')
  @Header('content-type', 'text/plain')
  handshake(@Query() query: Record<string, string | undefined>): string {
    const challenge = this.providers.whatsapp?.verifyHandshake(query);
    if (challenge === undefined) throw new ForbiddenException('verification failed');
    return challenge;
  }

  @Post('whatsapp')
  @HttpCode(200)
  async whatsapp(@Param('tenant') tenant: string, @Req() req: RawRequest): Promise<{ ok: true }> {
    await this.handle(tenant, this.providers.whatsapp, req);
    return { ok: true };
  }

  private async handle(tenant: string, provider: ChannelProvider | undefined, req: RawRequest): Promise<void> {
    if (!provider) throw new NotFoundException('channel not configured');
    const origin = this.providers.publicBaseUrl ?? `${req.protocol ?? 'http'}://${req.headers.host ?? ''}`;
    const request: WebhookRequest = {
      method: 'POST',
      url: origin.replace(/\/$/, '') + (req.originalUrl ?? req.url ?? ''),
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v]),
      ),
      rawBody: await rawBodyOf(req),
      tenantId: tenant,
    };
    if (!provider.verifySignature(request)) throw new ForbiddenException('invalid signature');
    const events = provider.parseWebhook(request, (fields, message) =>
      this.ctx.logger.warn({ tenantId: tenant, channel: provider.channel, ...fields }, message),
    );
    const at = this.ctx.clock.now();
    await this.ctx.dataSource.transaction(async (tx) => {
      await applyWebhookEvents(tx, this.ctx.backbone.outbox, tenant, provider.channel, events, at, this.law);
      await recordContactOutcomes(tx, this.ctx.backbone.outbox, tenant, provider.channel, events, at, this.law);
    });
  }
}
