/**
 * Group status in words, for the terminal and the window alike: who does not hold a message yet and when each
 * was last seen ("pending — last seen 2 days ago"), and what hidden messages wait for ("waiting for 2 earlier
 * messages from Bob").
 */

export interface PendingMember {
  name: string;
  lastSeen: number | null;
}

export interface GroupGap {
  name: string;
  missing: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago"; "never" for null. */
export function lastSeenText(lastSeen: number | null, now: number): string {
  if (lastSeen === null) return 'never';
  const age = Math.max(0, now - lastSeen);
  const [amount, unit] = age < MINUTE ? [0, ''] : age < HOUR ? [Math.floor(age / MINUTE), 'minute'] : age < DAY ? [Math.floor(age / HOUR), 'hour'] : [Math.floor(age / DAY), 'day'];
  return amount === 0 ? 'just now' : `${amount} ${unit}${amount === 1 ? '' : 's'} ago`;
}

/** "Carol: pending — last seen 2 days ago" per member who lacks it. */
export function pendingText(pending: readonly PendingMember[], now: number): string[] {
  return pending.map((member) => `${member.name}: pending — last seen ${lastSeenText(member.lastSeen, now)}`);
}

/** "Waiting for 2 earlier messages from Bob and 1 from Carol." or null when nothing waits. */
export function gapsText(gaps: readonly GroupGap[], otherMissing: number): string | null {
  const parts = gaps.map((gap, i) => `${gap.missing}${i === 0 ? ` earlier message${gap.missing === 1 ? '' : 's'}` : ''} from ${gap.name}`);
  if (otherMissing > 0) parts.push(gaps.length === 0 ? `${otherMissing} earlier message${otherMissing === 1 ? '' : 's'} they follow` : `${otherMissing} more they follow`);
  if (parts.length === 0) return null;
  const list = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
  return `Waiting for ${list}.`;
}
