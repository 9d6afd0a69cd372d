/**
 * Paging `order.searchList` through a modified-time window that moves under our feet.
 *
 * searchList pages by number (page from 0, size ≤ 100) over a filter. Paging by number over
 * "updated between A and B" is unsafe while orders keep changing: an order updated after we read
 * page 0 jumps out of its place (to a later update_time, possibly past B), every order behind it
 * moves up one place, and the order that moves from page 1 onto page 0 is never read. It is not
 * updated again, so no later window finds it either: a silent loss.
 *
 * So the pull asks for the window sorted by update_time ascending (`order_by: update_time`,
 * `order_asc: true`) and pages by key, not by number: after each full page the next request
 * starts again at page 0 from the last update_time seen, less a second. Whatever changes behind
 * that point cannot move anything we have not read yet; an order updated ahead of it simply
 * appears later (read twice: harmless, ingest dedupes); an order updated past the window's end
 * leaves the window and is found by the next one (windows follow each other). Orders at the
 * boundary seconds that were already returned are remembered in the cursor and dropped when they
 * come again, so pages do not repeat. Only when a whole page lies within its last two seconds (more
 * than `size` orders changed at once) does the pull fall back to the page number from the same
 * start; the remembered ids still keep out repeats.
 *
 * The second of slack makes the boundary right whether update_time_start is inclusive or
 * exclusive (the docs do not say). The cursor is JSON: `{"v":1,"end":…,"start":…,"page":…,"seen":[…]}`.
 */

export interface PullCursor {
  v: 1;
  /** The window end it belongs to (epoch seconds). */
  end: number;
  /** update_time_start of the next request (epoch seconds). */
  start: number;
  /** Page number from `start` (0 except inside a crowded second). */
  page: number;
  /** Order ids at the boundary already returned. */
  seen: string[];
}

export interface SearchListPage {
  /** As returned, in order. */
  items: Array<Record<string, unknown>>;
  size: number;
}

/** Epoch seconds of an ISO-8601 time, rounded down (`from`) or up (`to`). */
export function epochSeconds(iso: string, round: 'down' | 'up'): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`"${iso}" is not an ISO-8601 time`);
  return round === 'down' ? Math.floor(ms / 1000) : Math.ceil(ms / 1000);
}

export function decodeCursor(text: string | undefined, start: number, end: number): PullCursor {
  const first: PullCursor = { v: 1, end, start, page: 0, seen: [] };
  if (!text) return first;
  try {
    const c = JSON.parse(text) as Partial<PullCursor>;
    if (c.v !== 1 || c.end !== end || typeof c.start !== 'number' || typeof c.page !== 'number' || !Array.isArray(c.seen)) return first;
    return { v: 1, end, start: Math.max(start, c.start), page: Math.max(0, Math.floor(c.page)), seen: c.seen.map(String) };
  } catch {
    return first;
  }
}

export function updateTimeOf(order: Record<string, unknown>): number {
  const n = Number(order.update_time);
  return Number.isFinite(n) ? n : 0;
}

export function idOf(order: Record<string, unknown>): string {
  return String(order.order_id ?? '');
}

/**
 * The new orders of a page, and where to go next (null: the window is done).
 *
 * @example
 * step({ v: 1, end: 2000, start: 1000, page: 0, seen: [] }, { items: [...100 orders, last update_time 1500], size: 100 })
 * // { fresh: [...], next: { v: 1, end: 2000, start: 1499, page: 0, seen: [ids updated at 1499 or 1500] } }
 */
export function step(cursor: PullCursor, page: SearchListPage): { fresh: Array<Record<string, unknown>>; next: PullCursor | null } {
  const seen = new Set(cursor.seen);
  const fresh = page.items.filter((o) => !seen.has(idOf(o)));
  if (page.items.length < page.size) return { fresh, next: null };
  const last = Math.max(...page.items.map(updateTimeOf));
  const start = Math.min(last - 1, cursor.end);
  if (start > cursor.start && page.items.some((o) => updateTimeOf(o) < start)) {
    // Everything before `start` has been read; remember what was read at or after it. Some of
    // the page lies before `start`, so the next page holds fewer than `size` repeats: progress.
    const keep = new Set(page.items.filter((o) => updateTimeOf(o) >= start).map(idOf));
    if (start === cursor.start + 1) for (const id of cursor.seen) keep.add(id);
    return { fresh, next: { v: 1, end: cursor.end, start, page: 0, seen: [...keep] } };
  }
  // The whole page sits in its last two seconds: page by number inside them.
  const keep = new Set([...cursor.seen, ...page.items.map(idOf)]);
  return { fresh, next: { v: 1, end: cursor.end, start: cursor.start, page: cursor.page + 1, seen: [...keep] } };
}
