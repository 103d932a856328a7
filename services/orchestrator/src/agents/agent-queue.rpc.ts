import { Injectable } from '@nestjs/common';
import { orchestratorAgents as pb } from '@collections/contracts';
import { currentTenantId } from '@collections/platform';
import { AgentTaskKindName, callOutcomeFromProto, kindFromProto, kindToProto, stateFromProto } from './domain';
import { mapAgentTask } from './agent-task.row';
import { AgentRow } from './agent-queue.repository';
import { AgentQueueUseCase } from './usecases/agent-queue.usecase';

type Rpcs = Omit<pb.AgentQueueServiceController, never>;

/** The AgentQueueService RPCs: proto in, use case, proto out. The gRPC controller and REST twin call here. */
@Injectable()
export class AgentQueueRpc implements Rpcs {
  constructor(private readonly queue: AgentQueueUseCase) {}

  async putAgent(request: pb.PutAgentRequest): Promise<pb.PutAgentResponse> {
    const a = request.agent;
    const row = await this.queue.putAgent(currentTenantId(), {
      agentId: a?.agentId ?? '',
      name: a?.name ?? '',
      // An unknown kind stays in the list, as a name validateAgent() refuses.
      skills: (a?.skills ?? []).map((s) => kindFromProto(s) ?? (`kind ${s}` as AgentTaskKindName)),
      languages: a?.languages ?? [],
      segments: a?.segments ?? [],
      queues: a?.queues ?? [],
      capacity: a?.capacity ?? 0,
      active: a?.active ?? false,
    });
    return { agent: mapAgent(row) };
  }

  async getAgent(request: pb.GetAgentRequest): Promise<pb.GetAgentResponse> {
    return { agent: mapAgent(await this.queue.getAgent(currentTenantId(), request.agentId)) };
  }

  async listAgentTasks(request: pb.ListAgentTasksRequest): Promise<pb.ListAgentTasksResponse> {
    const rows = await this.queue.listTasks(currentTenantId(), {
      state: stateFromProto(request.state),
      queue: request.queue,
      agentId: request.agentId,
      limit: request.limit,
    });
    return { tasks: rows.map(mapAgentTask) };
  }

  async getAgentTask(request: pb.GetAgentTaskRequest): Promise<pb.GetAgentTaskResponse> {
    return { task: mapAgentTask(await this.queue.getTask(currentTenantId(), request.taskId)) };
  }

  async claimAgentTask(request: pb.ClaimAgentTaskRequest): Promise<pb.ClaimAgentTaskResponse> {
    const row = await this.queue.claim(currentTenantId(), request.agentId, request.taskId || undefined);
    return row ? { found: true, task: mapAgentTask(row), phone: row.phone ?? '' } : { found: false, phone: '' };
  }

  async completeAgentTask(request: pb.CompleteAgentTaskRequest): Promise<pb.CompleteAgentTaskResponse> {
    const row = await this.queue.complete(currentTenantId(), request.agentId, request.taskId, {
      outcome: callOutcomeFromProto(request.outcome),
      promisedAmount: request.promisedAmount ?? undefined, // gRPC gives null for an absent message
      promisedDate: request.promisedDate || undefined,
    });
    return { task: mapAgentTask(row) };
  }

  async releaseAgentTask(request: pb.ReleaseAgentTaskRequest): Promise<pb.ReleaseAgentTaskResponse> {
    return { task: mapAgentTask(await this.queue.release(currentTenantId(), request.agentId, request.taskId)) };
  }
}

export function mapAgent(row: AgentRow): pb.Agent {
  return {
    agentId: row.agent_id,
    name: row.name,
    skills: row.skills.map(kindToProto),
    languages: row.languages,
    segments: row.segments,
    queues: row.queues,
    capacity: row.capacity,
    active: row.active,
    claimed: row.claimed,
  };
}
