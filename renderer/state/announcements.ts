/**
 * What a screen reader is told, read from how the store changed: a message that came in to the open
 * conversation ("Bob: …"), and a contact coming online or going offline ("Bob is offline"). Never the person's
 * own messages. Pure: the Announcer component batches these and says them through a polite live region.
 */
import type { AppState } from './types';

export type Announcement =
  | { kind: 'message'; peer: string; name: string; text: string }
  | { kind: 'presence'; peer: string; name: string; online: boolean };

/** A message's text is cut to this many characters when read out. */
const TEXT_LIMIT = 200;

/** Everything worth saying about the change from `before` to `after` (one event's `setState`). */
export function announcementsBetween(before: AppState, after: AppState): Announcement[] {
  if (before.conversations === after.conversations) return [];
  const out: Announcement[] = [];
  for (const [peer, now] of Object.entries(after.conversations)) {
    const was = before.conversations[peer];
    // A conversation first seen (the list loading, a new peer) says nothing of its own.
    if (was === undefined || was === now) continue;
    const last = now.lastMessage;
    const changed = last !== undefined && (was.lastMessage?.at !== last.at || was.lastMessage.text !== last.text);
    if (changed && !last.fromMe && peer === after.selectedPeer) out.push({ kind: 'message', peer, name: now.name, text: last.text });
    if ((was.state === 'online') !== (now.state === 'online')) {
      // Between offline and connecting nothing changed for the person; only reaching or losing them counts.
      out.push({ kind: 'presence', peer, name: now.name, online: now.state === 'online' });
    }
  }
  return out;
}

const cut = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > TEXT_LIMIT ? `${line.slice(0, TEXT_LIMIT - 1)}…` : line;
};

/**
 * One sentence for a batch, so a burst is one announcement and not a flood: messages by sender ("Bob: hi",
 * or "3 new messages from Bob. Latest: hi"), then presence, only the last state of each contact and only if it
 * differs from where the batch began ("Bob is offline"; "Bob and Carol are online"; "4 contacts are offline").
 */
export function summarize(batch: readonly Announcement[]): string {
  const parts: string[] = [];
  const messages = new Map<string, { name: string; texts: string[] }>();
  const presence = new Map<string, { name: string; online: boolean; first: boolean }>();
  for (const item of batch) {
    if (item.kind === 'message') {
      const entry = messages.get(item.peer) ?? { name: item.name, texts: [] };
      entry.texts.push(item.text);
      messages.set(item.peer, entry);
    } else {
      // `first`: whether they were online when the batch began (the opposite of their first change in it).
      const first = presence.get(item.peer)?.first ?? !item.online;
      presence.set(item.peer, { name: item.name, online: item.online, first });
    }
  }
  for (const { name, texts } of messages.values()) {
    const latest = cut(texts.at(-1) ?? '');
    parts.push(texts.length === 1 ? `${name}: ${latest}` : `${texts.length} new messages from ${name}. Latest: ${latest}`);
  }
  for (const online of [true, false]) {
    const names = [...presence.values()].filter((p) => p.online === online && p.first !== online).map((p) => p.name);
    const word = online ? 'online' : 'offline';
    if (names.length === 1) parts.push(`${names[0]} is ${word}`);
    else if (names.length <= 3 && names.length > 0) parts.push(`${names.slice(0, -1).join(', ')} and ${names.at(-1)} are ${word}`);
    else if (names.length > 3) parts.push(`${names.length} contacts are ${word}`);
  }
  return parts.map((part) => (/[.!?…]$/.test(part) ? part : `${part}.`)).join(' ');
}
