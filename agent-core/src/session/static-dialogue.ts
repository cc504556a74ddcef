/**
 * A dialogue "model" that says a fixed line (and optionally performs a built-in action after it). The session
 * uses it for what it says on its own behalf: the reprompt after an empty transcript, the apology after a
 * provider failure, the line before a transfer. It runs through the same reply pipeline as any model.
 */
import type { DialogueChunk, DialogueModel, DialogueRequest } from '../providers/ports.js';

export class StaticDialogue implements DialogueModel {
  readonly id = 'session';

  constructor(
    private readonly text: string,
    private readonly action?: 'transfer_call' | 'end_call',
  ) {}

  async *generate(request: DialogueRequest): AsyncIterable<DialogueChunk> {
    const last = request.messages.at(-1);
    // second round (after the action's tool result): nothing more to say
    if (last?.role === 'tool') return;
    yield { type: 'text', text: this.text };
    if (this.action) yield { type: 'tool_call', call: { id: `session-${this.action}`, name: this.action, arguments: { reason: 'session' } } };
    yield { type: 'state', state: request.state };
  }
}
