import { EventEmitter } from 'node:events';
import type { ContactId, SessionKey } from '../../../../shared/ids';

/** A typing notice that is not renewed within this long has ended (the peer may have left mid-word). */
export const TYPING_EXPIRES_MS = 6_000;

/** What is known of a contact only while the app runs. */
export interface Presence {
  /** The key of the open session, when one is open. */
  onlineKey: SessionKey | null;
  typing: boolean;
  typingTimer: NodeJS.Timeout | null;
  /** Why it last went offline. */
  lastReason?: string;
}

export interface PresenceEvents {
  /** Something a conversation shows changed here (typing started, or a typing notice expired). */
  changed: [peer: ContactId];
}

/** Who is online under which session key, who is typing, and why a contact last left, by contact id. */
export class PresenceBoard extends EventEmitter<PresenceEvents> {
  private readonly byPeer = new Map<string, Presence>();

  of(peer: ContactId): Presence {
    let presence = this.byPeer.get(peer);
    if (!presence) {
      presence = { onlineKey: null, typing: false, typingTimer: null };
      this.byPeer.set(peer, presence);
    }
    return presence;
  }

  /** What is known, without remembering a contact that was never seen. */
  peek(peer: string): Presence | undefined {
    return this.byPeer.get(peer);
  }

  onlineKey(peer: ContactId): SessionKey | null {
    return this.byPeer.get(peer)?.onlineKey ?? null;
  }

  cameOnline(peer: ContactId, key: SessionKey): void {
    const presence = this.of(peer);
    presence.onlineKey = key;
    presence.lastReason = undefined;
  }

  /** The contact's session under `key` ended; false when that was not its session (a replaced one). */
  wentOffline(peer: ContactId, key: SessionKey, reason: string): boolean {
    const presence = this.byPeer.get(peer);
    if (!presence || presence.onlineKey !== key) return false;
    presence.onlineKey = null;
    presence.lastReason = reason;
    this.stopTyping(peer);
    return true;
  }

  forget(peer: ContactId): void {
    this.stopTyping(peer);
    this.byPeer.delete(peer);
  }

  /** A typing notice from the contact; it expires unless renewed. Emits `changed` when the state flips. */
  setTyping(peer: ContactId, active: boolean): void {
    const presence = this.byPeer.get(peer);
    if (!presence) return;
    if (presence.typingTimer) clearTimeout(presence.typingTimer);
    presence.typingTimer = active ? setTimeout(() => this.stopTyping(peer, true), TYPING_EXPIRES_MS) : null;
    if (presence.typing === active) return;
    presence.typing = active;
    this.emit('changed', peer);
  }

  /** The contact stopped typing (its message arrived, it left); `announce` emits `changed` too. */
  stopTyping(peer: ContactId, announce = false): void {
    const presence = this.byPeer.get(peer);
    if (!presence) return;
    if (presence.typingTimer) clearTimeout(presence.typingTimer);
    presence.typingTimer = null;
    if (!presence.typing) return;
    presence.typing = false;
    if (announce) this.emit('changed', peer);
  }

  close(): void {
    for (const presence of this.byPeer.values()) if (presence.typingTimer) clearTimeout(presence.typingTimer);
  }
}
