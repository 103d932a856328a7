import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { orchestratorAgents as pb } from '@collections/contracts';
import { AppError, currentTenantId } from '@collections/platform';
import { AgentTaskKindName, AgentTaskStateName, CALL_OUTCOMES, CallOutcomeName } from './domain';
import { mapAgentTask } from './agent-task.row';
import { AgentRow } from './agent-queue.repository';
import { mapAgent } from './agent-queue.rpc';
import { AgentQueueUseCase } from './usecases/agent-queue.usecase';

type Json = Record<string, unknown>;

const strings = (v: unknown, field: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw AppError.invalid(`${field} must be a list of strings`);
  return v as string[];
};
const text = (v: unknown, field: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw AppError.invalid(`${field} must be a string`);
  return v;
};

const task = (row: Parameters<typeof mapAgentTask>[0]) => pb.AgentTask.toJSON(mapAgentTask(row));
const agent = (row: AgentRow) => pb.Agent.toJSON(mapAgent(row));

/**
 * REST twin of AgentQueueService, in the domain's words: skills and outcomes as `call`,
 * `review_reply`, `promise`...; money as `{amountMinor, currency}`.
 */
@Controller('v1/orchestrator')
export class AgentQueueRestController {
  constructor(private readonly queue: AgentQueueUseCase) {}

  @Put('agents/:agentId')
  async putAgent(@Param('agentId') agentId: string, @Body() body: Json = {}) {
    const capacity = body.capacity;
    return agent(
      await this.queue.putAgent(currentTenantId(), {
        agentId,
        name: text(body.name, 'name') ?? '',
        skills: strings(body.skills, 'skills') as AgentTaskKindName[],
        languages: strings(body.languages, 'languages'),
        segments: strings(body.segments, 'segments'),
        queues: strings(body.queues, 'queues'),
        capacity: typeof capacity === 'number' ? capacity : NaN,
        active: body.active === undefined ? true : body.active === true,
      }),
    );
  }

  @Get('agents/:agentId')
  async getAgent(@Param('agentId') agentId: string) {
    return agent(await this.queue.getAgent(currentTenantId(), agentId));
  }

  @Post('agents/:agentId/claims')
  @HttpCode(200)
  async claim(@Param('agentId') agentId: string, @Body() body: Json = {}) {
    const row = await this.queue.claim(currentTenantId(), agentId, text(body.taskId, 'taskId') || undefined);
    return row ? { found: true, task: task(row), ...(row.phone ? { phone: row.phone } : {}) } : { found: false };
  }

  @Get('agent-tasks')
  async list(@Query() q: Record<string, string | undefined>) {
    const state = q.state as AgentTaskStateName | undefined;
    if (state && !['open', 'claimed', 'completed', 'cancelled'].includes(state))
      throw AppError.invalid('state must be open, claimed, completed or cancelled');
    const rows = await this.queue.listTasks(currentTenantId(), {
      state,
      queue: q.queue,
      agentId: q.agentId,
      limit: q.limit ? Number(q.limit) : undefined,
    });
    return { tasks: rows.map(task) };
  }

  @Get('agent-tasks/:taskId')
  async get(@Param('taskId') taskId: string) {
    return task(await this.queue.getTask(currentTenantId(), taskId));
  }

  @Post('agent-tasks/:taskId/complete')
  @HttpCode(200)
  async complete(@Param('taskId') taskId: string, @Body() body: Json = {}) {
    const outcome = text(body.outcome, 'outcome');
    if (outcome !== undefined && !CALL_OUTCOMES.includes(outcome as CallOutcomeName))
      throw AppError.invalid(`outcome must be one of ${CALL_OUTCOMES.join(', ')}`);
    const amount = body.promisedAmount as { amountMinor?: unknown; currency?: unknown } | undefined;
    return task(
      await this.queue.complete(currentTenantId(), text(body.agentId, 'agentId') ?? '', taskId, {
        outcome: outcome as CallOutcomeName | undefined,
        promisedAmount:
          amount && typeof amount === 'object'
            ? { amountMinor: Number(amount.amountMinor), currency: String(amount.currency ?? '') }
            : undefined,
        promisedDate: text(body.promisedDate, 'promisedDate'),
      }),
    );
  }

  @Post('agent-tasks/:taskId/release')
  @HttpCode(200)
  async release(@Param('taskId') taskId: string, @Body() body: Json = {}) {
    return task(await this.queue.release(currentTenantId(), text(body.agentId, 'agentId') ?? '', taskId));
  }
}
