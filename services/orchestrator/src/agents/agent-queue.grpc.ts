import { Controller } from '@nestjs/common';
import { orchestratorAgents as pb } from '@collections/contracts';
import { AgentQueueRpc } from './agent-queue.rpc';

/** AgentQueueService over gRPC. */
@Controller()
@pb.AgentQueueServiceControllerMethods()
export class AgentQueueGrpcController implements pb.AgentQueueServiceController {
  constructor(private readonly rpc: AgentQueueRpc) {}

  putAgent(request: pb.PutAgentRequest) {
    return this.rpc.putAgent(request);
  }
  getAgent(request: pb.GetAgentRequest) {
    return this.rpc.getAgent(request);
  }
  listAgentTasks(request: pb.ListAgentTasksRequest) {
    return this.rpc.listAgentTasks(request);
  }
  getAgentTask(request: pb.GetAgentTaskRequest) {
    return this.rpc.getAgentTask(request);
  }
  claimAgentTask(request: pb.ClaimAgentTaskRequest) {
    return this.rpc.claimAgentTask(request);
  }
  completeAgentTask(request: pb.CompleteAgentTaskRequest) {
    return this.rpc.completeAgentTask(request);
  }
  releaseAgentTask(request: pb.ReleaseAgentTaskRequest) {
    return this.rpc.releaseAgentTask(request);
  }
}
