/**
 * The session's ToolExecutor over the tool layer: the model sees the agent's tools; a call runs through the
 * realtime queue (built-ins come back as actions). Outcomes are counted per tool.
 */
import type { ToolCall, ToolDefinition } from '../providers/ports.js';
import type { ToolContext, ToolExecutor, ToolOutcome } from '../session/tool-executor.js';
import type { ToolQueue, ToolRegistry } from '../tools/index.js';

export class QueuedToolExecutor implements ToolExecutor {
  private readonly defs: ToolDefinition[];

  constructor(
    registry: ToolRegistry,
    private readonly queue: ToolQueue,
    private readonly allowed: string[],
  ) {
    this.defs = registry.definitions(allowed);
  }

  definitions(): ToolDefinition[] {
    return this.defs;
  }

  async run(call: ToolCall, ctx: ToolContext, signal: AbortSignal): Promise<ToolOutcome> {
    if (!this.allowed.includes(call.name)) return { ok: false, error: { code: 'unknown_tool', message: `this agent has no tool '${call.name}'` } };
    return (await this.queue.run(call, ctx, signal)) as ToolOutcome;
  }
}
