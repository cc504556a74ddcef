/**
 * The tools one installation knows: what the dialogue model is offered and how arguments and results are
 * checked. Built from tool configs once (compileTools); immutable afterwards.
 */
import type { ToolDefinition } from '../providers/ports.js';
import {
  compileTools,
  formatSchemaErrors,
  type CompileToolsOptions,
  type CompiledTool,
  type CompiledWebhookTool,
} from './definitions.js';

export type ValidationResult = { ok: true } | { ok: false; message: string };

export class ToolRegistry {
  private readonly tools = new Map<string, CompiledTool>();

  constructor(tools: readonly CompiledTool[]) {
    for (const t of tools) {
      if (this.tools.has(t.name)) throw new Error(`tool "${t.name}" registered twice`);
      this.tools.set(t.name, t);
    }
  }

  /** validates and compiles `configs` (see compileTools); throws ToolConfigError naming each bad tool */
  static load(configs: unknown, opts: CompileToolsOptions = {}): ToolRegistry {
    return new ToolRegistry(compileTools(configs, opts));
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  get(name: string): CompiledTool | undefined {
    return this.tools.get(name);
  }

  /** the webhook tool `name`, or undefined for unknown names and built-ins */
  webhook(name: string): CompiledWebhookTool | undefined {
    const t = this.tools.get(name);
    return t?.kind === 'webhook' ? t : undefined;
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  /**
   * What the dialogue model is offered: all tools, or the ones named in `only` (an agent's subset), in
   * registry order. Unknown names in `only` throw, so a typo in an agent's config shows at load.
   */
  definitions(only?: readonly string[]): ToolDefinition[] {
    if (only) {
      const unknown = only.filter((n) => !this.tools.has(n));
      if (unknown.length > 0) throw new Error(`unknown tool(s): ${unknown.join(', ')}`);
    }
    const wanted = only ? new Set(only) : undefined;
    return [...this.tools.values()]
      .filter((t) => !wanted || wanted.has(t.name))
      .map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
  }

  /** checks a model's arguments against the tool's parameters schema; the message is meant for the model too */
  validateArgs(name: string, args: unknown): ValidationResult {
    const tool = this.tools.get(name);
    if (!tool) return { ok: false, message: `unknown tool "${name}"; available: ${this.names().join(', ')}` };
    if (tool.validateArgs(args)) return { ok: true };
    return { ok: false, message: formatSchemaErrors(tool.validateArgs.errors, 'arguments') };
  }

  /** checks a webhook's response against the tool's result schema (anything passes when it has none) */
  validateResult(name: string, result: unknown): ValidationResult {
    const tool = this.tools.get(name);
    if (!tool) return { ok: false, message: `unknown tool "${name}"` };
    if (tool.kind !== 'webhook' || !tool.validateResult) return { ok: true };
    if (tool.validateResult(result)) return { ok: true };
    return { ok: false, message: formatSchemaErrors(tool.validateResult.errors, 'result') };
  }
}
