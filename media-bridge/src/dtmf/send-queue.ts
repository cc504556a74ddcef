/**
 * Serialises `sendDtmf` calls on one endpoint: each digit string plays after the previous one, and its
 * promise settles when its last end packet has gone out (or rejects when the endpoint stops sending).
 */
import { DtmfSender, type DtmfSendOptions, type DtmfStep } from './sender.js';

interface Job {
  sender: DtmfSender;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A FIFO of digit strings being sent as RFC 4733 events. */
export class DtmfSendQueue {
  private readonly jobs: Job[] = [];

  constructor(private readonly opts: DtmfSendOptions = {}) {}

  /** Queues digits (already validated); resolves once they are all on the wire. */
  add(digits: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.jobs.push({ sender: new DtmfSender(digits, this.opts), resolve, reject });
    });
  }

  /** true while digits are queued or being sent (outbound audio waits meanwhile) */
  get active(): boolean {
    return this.jobs.length > 0;
  }

  /** This tick's packet or pause, or undefined when no digits are pending. */
  next(timestamp: number): Exclude<DtmfStep, { kind: 'done' }> | undefined {
    for (;;) {
      const job = this.jobs[0];
      if (!job) return undefined;
      const step = job.sender.next(timestamp);
      if (step.kind !== 'done') return step;
      this.jobs.shift();
      job.resolve();
    }
  }

  /** Rejects every pending job with `err` and empties the queue. */
  abort(err: Error): void {
    for (const job of this.jobs.splice(0)) job.reject(err);
  }
}
