/** Small text helpers for names, previews and avatars. */

/** One line of at most `max` characters for the conversation list: whitespace collapsed, cut with an ellipsis. */
export function previewText(text: string, max = 120): string {
  // Look at a bounded prefix only: a message may be 64 KiB without a single space.
  const head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const line = head.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** One or two letters for an avatar: the first letters of the first two words; `#` for a bare address. */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/\s+/)
    .map((word) => word.replace(/^[^\p{L}\p{N}]+/u, ''))
    .filter((word) => /\p{L}/u.test(word));
  if (words.length === 0) return '#';
  return words
    .slice(0, 2)
    .map((word) => [...word][0] ?? '')
    .join('')
    .toUpperCase();
}

export const AVATAR_COLOURS = 8;

/** A stable colour index (0..AVATAR_COLOURS-1) for a peer key, so a person keeps their colour. */
export function avatarColour(key: string): number {
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % AVATAR_COLOURS;
}

/** "1 unread", "12 unread"; badges cap the number they show at 99+. */
export function unreadBadge(count: number): string {
  return count > 99 ? '99+' : String(count);
}

/** When an offline contact is dialed next: "retrying in 12 s", "retrying in 2 min 5 s", "retrying now…". */
export function retryCountdown(nextRetryAt: number, now: number): string {
  const seconds = Math.ceil((nextRetryAt - now) / 1000);
  if (seconds <= 0) return 'retrying now…';
  if (seconds < 60) return `retrying in ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `retrying in ${minutes} min${seconds % 60 === 0 ? '' : ` ${seconds % 60} s`}`;
  return `retrying in ${Math.floor(minutes / 60)} h${minutes % 60 === 0 ? '' : ` ${minutes % 60} min`}`;
}

/** A safety number's digits in groups of five (the backend writes 60 digits as 12 such groups). */
export function safetyNumberGroups(safetyNumber: string): string[] {
  return safetyNumber.replace(/\D/g, '').match(/\d{1,5}/g) ?? [];
}

/** A size for people: "900 B", "12 KB", "1.5 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
