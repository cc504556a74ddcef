// A virtualized list with a fixed row height: only the rows in (and just around) the viewport exist in the
// DOM, in visual order (rows out of view leave the DOM, so queries and screen readers never meet stale rows).
// Row elements are pooled and recycled by index (index i always lands in slot i % pool size), so scrolling by
// one row moves one element, and a data update patches rows in place — `updateRow` is expected to touch only
// what changed. All work happens in at most one animation frame per frame.
import { frameScheduler, h } from './dom.js';

export interface VirtualListOptions<T> {
  /** the scroll container; its height comes from CSS */
  viewport: HTMLElement;
  rowHeight: number;
  /** extra rows rendered above and below the viewport */
  overscan?: number;
  createRow(): HTMLElement;
  updateRow(row: HTMLElement, item: T, index: number): void;
  /** runs in the same frame, after the rows were patched */
  afterRender?(count: number): void;
}

export class VirtualList<T> {
  private items: readonly T[] = [];
  private readonly canvas: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  /** which item index each pool slot shows, -1 for none */
  private readonly shown: number[] = [];
  private readonly frame = frameScheduler(() => this.render());
  private readonly resize: ResizeObserver;
  private readonly onScroll = () => this.frame.schedule();
  private height = -1;
  private lastFirst = 0;

  constructor(private readonly opts: VirtualListOptions<T>) {
    this.canvas = h('div', { class: 'vlist-canvas', role: 'rowgroup' });
    opts.viewport.append(this.canvas);
    opts.viewport.addEventListener('scroll', this.onScroll, { passive: true });
    this.resize = new ResizeObserver(this.onScroll);
    this.resize.observe(opts.viewport);
  }

  setItems(items: readonly T[]): void {
    this.items = items;
    this.frame.schedule();
  }

  /** re-patch the visible rows (e.g. a ticking clock) */
  refresh(): void {
    this.frame.schedule();
  }

  destroy(): void {
    this.frame.cancel();
    this.resize.disconnect();
    this.opts.viewport.removeEventListener('scroll', this.onScroll);
    this.canvas.remove();
  }

  private render(): void {
    const { viewport, rowHeight, overscan = 6 } = this.opts;
    const n = this.items.length;
    if (this.height !== n * rowHeight) {
      this.height = n * rowHeight;
      this.canvas.style.height = `${this.height}px`;
    }
    const viewH = viewport.clientHeight || window.innerHeight;
    const size = Math.ceil(viewH / rowHeight) + 2 * overscan + 1;
    if (this.pool.length !== size) this.resizePool(size);

    const first = Math.max(0, Math.min(Math.floor(viewport.scrollTop / rowHeight) - overscan, n - size));
    const end = Math.min(n, first + size);
    const used = new Uint8Array(size);
    const rows: HTMLElement[] = [];
    for (let i = first; i < end; i++) {
      const slot = i % size;
      const row = this.pool[slot]!;
      used[slot] = 1;
      if (this.shown[slot] !== i) {
        this.shown[slot] = i;
        row.style.transform = `translateY(${i * rowHeight}px)`;
        row.setAttribute('aria-rowindex', String(i + 2));
      }
      this.opts.updateRow(row, this.items[i]!, i);
      rows.push(row);
    }
    for (let slot = 0; slot < size; slot++) if (!used[slot]) this.pool[slot]!.remove();
    this.place(rows, first >= this.lastFirst);
    this.lastFirst = first;
    this.opts.afterRender?.(n);
  }

  /**
   * Puts the rows in the canvas in this order with few moves: scrolling down recycles rows from the top to the
   * bottom (a scan from the end moves just those), scrolling up the other way round (a scan from the start).
   */
  private place(rows: readonly HTMLElement[], down: boolean): void {
    const canvas = this.canvas;
    if (down) {
      let next: ChildNode | null = null;
      for (let k = rows.length - 1; k >= 0; k--) {
        const row = rows[k]!;
        if (row.parentNode !== canvas || row.nextSibling !== next) canvas.insertBefore(row, next);
        next = row;
      }
    } else {
      let cursor: ChildNode | null = canvas.firstChild;
      for (const row of rows) {
        if (row === cursor) cursor = cursor.nextSibling;
        else canvas.insertBefore(row, cursor);
      }
    }
  }

  private resizePool(size: number): void {
    while (this.pool.length < size) this.pool.push(this.opts.createRow());
    while (this.pool.length > size) this.pool.pop()!.remove();
    // the slot of each index depends on the pool size: every slot is re-assigned
    this.shown.length = 0;
    for (let i = 0; i < size; i++) this.shown.push(-2);
  }
}
