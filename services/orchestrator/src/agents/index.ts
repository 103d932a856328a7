export { createAgentTask, CreatedAgentTask } from './create-agent-task';
export { NewAgentTask, AgentTaskKindName, AGENT_TASK_KINDS } from './domain';
