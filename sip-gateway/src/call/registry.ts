/** The calls currently up, by media endpoint, so media events reach their call. */
import type { MediaEvent } from '@callgate/contracts';
import type { Call } from './call.js';

export class CallRegistry {
  private readonly calls = new Map<string, Call>();

  add(call: Call): void {
    this.calls.set(call.endpointId, call);
  }

  remove(call: Call): void {
    if (this.calls.get(call.endpointId) === call) this.calls.delete(call.endpointId);
  }

  get size(): number {
    return this.calls.size;
  }

  all(): Call[] {
    return [...this.calls.values()];
  }

  /** routes a media event to its call; false when no call has that endpoint (e.g. it just ended) */
  dispatch(event: MediaEvent): boolean {
    const call = this.calls.get(event.endpointId);
    if (!call) return false;
    call.onMediaEvent(event);
    return true;
  }
}
