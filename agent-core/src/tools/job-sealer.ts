/**
 * Tool arguments and results often carry what callers said (a phone number, a date of birth): they must not sit
 * in Redis in clear. The realtime queue seals them with AES-256-GCM (the job id as associated data, so a sealed
 * value cannot be moved to another job) under a key held only in agent-core's memory: from config, or a random
 * one per process (then jobs left from before a restart cannot be opened, and fail as such).
 */
import { randomBytes } from 'node:crypto';
import { decryptField, encryptField } from '../store/crypto.js';

export interface Sealed {
  sealed: string;
}

export function isSealed(v: unknown): v is Sealed {
  return typeof v === 'object' && v !== null && typeof (v as Sealed).sealed === 'string';
}

export class JobSealer {
  private readonly key: Uint8Array;

  constructor(key?: Uint8Array) {
    if (key && key.length !== 32) throw new Error('tool data key: needs 32 bytes');
    this.key = key ?? randomBytes(32);
  }

  seal(value: unknown, jobId: string): Sealed {
    return { sealed: encryptField(JSON.stringify(value), this.key, `tool-job:${jobId}`).toString('base64') };
  }

  open(sealed: Sealed, jobId: string): unknown {
    return JSON.parse(decryptField(Buffer.from(sealed.sealed, 'base64'), this.key, `tool-job:${jobId}`)) as unknown;
  }
}
