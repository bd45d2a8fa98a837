/**
 * The conversation timeline: messages in order with a day separator before each new local day, and runs of
 * messages from one side grouped so that the bubbles sit closer together. A notice (Peerline's own line in the
 * conversation, such as a changed key) stands alone: it belongs to no group.
 */

export interface TimelineMessage {
  id: string;
  at: number;
  fromMe: boolean;
  kind?: 'chat' | 'notice';
}

export type TimelineItem<M extends TimelineMessage> =
  | { kind: 'day'; key: string; at: number }
  | { kind: 'message'; key: string; message: M; startsGroup: boolean };

/** Messages from the same side closer than this are one group. */
export const GROUP_GAP_MS = 5 * 60 * 1000;

/** The local calendar day of a timestamp, as `YYYY-MM-DD`. */
export function dayKey(at: number): string {
  const date = new Date(at);
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

/** `messages` must be in display order (oldest first). */
export function buildTimeline<M extends TimelineMessage>(messages: readonly M[]): TimelineItem<M>[] {
  const items: TimelineItem<M>[] = [];
  let previous: M | undefined;
  let previousDay = '';
  for (const message of messages) {
    const day = dayKey(message.at);
    const newDay = day !== previousDay;
    if (newDay) items.push({ kind: 'day', key: `day-${day}`, at: message.at });
    const startsGroup =
      newDay ||
      previous === undefined ||
      previous.fromMe !== message.fromMe ||
      previous.kind === 'notice' ||
      message.kind === 'notice' ||
      message.at - previous.at > GROUP_GAP_MS;
    items.push({ kind: 'message', key: message.id, message, startsGroup });
    previous = message;
    previousDay = day;
  }
  return items;
}

/** Whole local days from `at`'s day to `now`'s day (0 today, 1 yesterday), regardless of daylight saving. */
export function daysAgo(at: number, now: number): number {
  const a = new Date(at);
  const b = new Date(now);
  const startA = Date.UTC(a.getFullYear(), a.getMonth(), a.getDate());
  const startB = Date.UTC(b.getFullYear(), b.getMonth(), b.getDate());
  return Math.round((startB - startA) / 86_400_000);
}

/** "Today", "Yesterday", a weekday within the last week, or a date (with the year when it is not this year). */
export function formatDay(at: number, now: number, locale?: string): string {
  const ago = daysAgo(at, now);
  if (ago === 0) return 'Today';
  if (ago === 1) return 'Yesterday';
  const date = new Date(at);
  if (ago > 1 && ago < 7) return new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(date);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(date);
}

/** "14:05" or "2:05 PM", as the person's locale writes times. */
export function formatTime(at: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(new Date(at));
}

/** For the conversation list: the time today, "Yesterday", a short weekday this week, or a short date. */
export function formatListTime(at: number, now: number, locale?: string): string {
  const ago = daysAgo(at, now);
  if (ago <= 0) return formatTime(at, locale);
  if (ago === 1) return 'Yesterday';
  if (ago < 7) return new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(new Date(at));
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }).format(new Date(at));
}

/** Full date and time for a tooltip and `<time title>`. */
export function formatFullDate(at: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' }).format(new Date(at));
}

/** Measured sizes are let go once the cache holds this many times the rows (and at least `SIZE_CACHE_SLACK` more). */
const SIZE_CACHE_FACTOR = 2;
const SIZE_CACHE_SLACK = 200;

/**
 * Prunes a virtualizer's measured sizes (by row key) to the rows shown, once it has grown much larger than them:
 * the history window is bounded, but the keys it passed through in a long session are not.
 */
export function prunedSizeCache(cache: Map<unknown, number>, rows: readonly { key: string }[]): void {
  if (cache.size <= rows.length * SIZE_CACHE_FACTOR + SIZE_CACHE_SLACK) return;
  const keep = new Set<unknown>(rows.map((row) => row.key));
  for (const key of cache.keys()) if (!keep.has(key)) cache.delete(key);
}
