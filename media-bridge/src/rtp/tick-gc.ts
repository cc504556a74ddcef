/**
 * Young-generation collections between ticks. A scavenge stops the media thread for 0.5–3 ms (single-threaded
 * GC; see realtime.ts), and left to V8 it falls wherever an allocation finds the young space full: often in
 * the middle of a tick's sends, where it shows as send jitter. After each tick's second half, when the next
 * sends are half a period away, this checks how full the young space is and, when it would not survive a few
 * more ticks of the current allocation rate, collects it there and then.
 *
 * It needs V8's `gc` function, which a process only has with `--expose-gc`; it is turned on here with
 * `v8.setFlagsFromString` and taken from a fresh context. Where that fails, nothing is scheduled (and V8
 * collects as usual).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Logger } from '@callgate/contracts';
import type { Pacer } from './pacer.js';

type GcFunction = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

/** What the scheduler needs to know about the young space. */
export interface YoungSpace {
  /** bytes in use and bytes left before V8 would collect by itself */
  usage(): { used: number; available: number };
  collect(): void;
}

/**
 * Decides, tick by tick, when to collect: once the young space is `fillFraction` full (V8's own scavenge task
 * starts at 80 %, so this comes first), or when `ticksAhead` ticks of the recent allocation rate no longer fit.
 */
export class TickGcPolicy {
  private lastUsed: number | undefined;
  /** bytes allocated per tick (moving average) */
  private perTick = 0;

  constructor(
    private readonly space: YoungSpace,
    private readonly fillFraction = 0.6,
    private readonly ticksAhead = 3,
    /** never collect a young space emptier than this (bytes): too little to be worth a pause */
    private readonly minUsed = 256 * 1024,
  ) {}

  /** called once per tick, between its halves' work and the next sends */
  onTick(): boolean {
    const { used, available } = this.space.usage();
    if (this.lastUsed !== undefined && used >= this.lastUsed) this.perTick += (used - this.lastUsed - this.perTick) / 8;
    this.lastUsed = used;
    if (used < this.minUsed) return false;
    if (used < this.fillFraction * (used + available) && available > this.perTick * this.ticksAhead) return false;
    this.space.collect();
    this.lastUsed = this.space.usage().used;
    return true;
  }
}

/** V8's young space of this process, or undefined where `gc` cannot be had. */
export function processYoungSpace(log?: Logger): YoungSpace | undefined {
  let gc: GcFunction | undefined;
  try {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('typeof gc === "function" ? gc : undefined') as GcFunction | undefined;
  } catch (err) {
    log?.warn('media: no gc function; young-space collections stay where V8 puts them', { err });
  }
  if (!gc) return undefined;
  const collect = gc;
  return {
    usage() {
      const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
      return { used: s?.space_used_size ?? 0, available: s?.space_available_size ?? Number.POSITIVE_INFINITY };
    },
    collect: () => collect({ type: 'minor' }),
  };
}

/** Collects the young space between ticks of `pacer`; returns the function that stops it. */
export function collectBetweenTicks(pacer: Pacer, log?: Logger): (() => void) | undefined {
  const space = processYoungSpace(log);
  if (!space) return undefined;
  const policy = new TickGcPolicy(space);
  return pacer.onAfterTick(() => void policy.onTick());
}
