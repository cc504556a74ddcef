/**
 * How a session runs the tools its dialogue model calls. Built-ins (`transfer_call`, `end_call`) come back as
 * actions the session performs itself; every other tool runs through the realtime queue (agent-core/src/tools).
 */
import type { ToolCall, ToolDefinition } from '../providers/ports.js';

export interface ToolContext {
  sessionId: string;
  turnId: string;
  /** the same key for a retried call: the tool runs once */
  idempotencyKey: string;
}

export type ToolOutcome =
  | { ok: true; result: unknown }
  | { ok: true; action: { type: 'transfer' | 'end'; reason?: string } }
  | { ok: false; error: { code: string; message: string } };

export interface ToolExecutor {
  /** what the dialogue model may call */
  definitions(): ToolDefinition[];
  run(call: ToolCall, ctx: ToolContext, signal: AbortSignal): Promise<ToolOutcome>;
}
