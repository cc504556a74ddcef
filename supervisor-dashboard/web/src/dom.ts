// Small DOM helpers. Text always goes in as text nodes / textContent, never as HTML: transcripts and every
// other string from the server are untrusted.

type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue>;
export type Child = Node | string | number | null | undefined | false;

/** creates an element; `class` sets className, true sets an empty attribute, false/null/undefined skip it */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === false || value === null || value === undefined) continue;
      if (name === 'class') el.className = String(value);
      else el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** sets textContent only when it differs (no layout work for unchanged cells) */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** sets or removes an attribute only when it differs */
export function setAttr(el: Element, name: string, value: string | null): void {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) {
    el.setAttribute(name, value);
  }
}

export function clear(el: Element): void {
  el.replaceChildren();
}

/**
 * Keeps a table body's rows in step with `items`, keyed: rows are reused and patched by `update`, moved only
 * when their position changed, and removed when their key is gone.
 */
export function syncRows<T>(
  tbody: HTMLTableSectionElement,
  items: readonly T[],
  key: (item: T) => string,
  create: (item: T) => HTMLTableRowElement,
  update: (row: HTMLTableRowElement, item: T) => void,
): void {
  const existing = new Map<string, HTMLTableRowElement>();
  for (const row of Array.from(tbody.rows)) existing.set(row.dataset.key ?? '', row);
  let cursor: ChildNode | null = tbody.firstChild;
  for (const item of items) {
    const k = key(item);
    let row = existing.get(k);
    if (row) existing.delete(k);
    else {
      row = create(item);
      row.dataset.key = k;
    }
    update(row, item);
    if (row === cursor) cursor = cursor.nextSibling;
    else tbody.insertBefore(row, cursor);
  }
  for (const row of existing.values()) row.remove();
}

/** a table with a header row; returns the table and its body */
export function table(testid: string, headers: readonly string[], className = 'grid'): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const body = h('tbody');
  const head = h('thead', null, h('tr', null, ...headers.map((label) => h('th', { scope: 'col' }, label))));
  return { table: h('table', { class: className, 'data-testid': testid }, head, body), body };
}

/** fills a row's cells (creating them on first use) with texts, patching only what changed */
export function setCells(row: HTMLTableRowElement, texts: readonly string[]): void {
  while (row.cells.length < texts.length) row.insertCell();
  texts.forEach((text, i) => setText(row.cells[i]!, text));
}

/** runs `render` at most once per animation frame however often `schedule` is called */
export function frameScheduler(render: () => void): { schedule(): void; cancel(): void } {
  let frame = 0;
  return {
    schedule() {
      if (frame === 0) frame = requestAnimationFrame(() => {
        frame = 0;
        render();
      });
    },
    cancel() {
      if (frame !== 0) cancelAnimationFrame(frame);
      frame = 0;
    },
  };
}
