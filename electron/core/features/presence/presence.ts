import { EventEmitter } from 'node:events';
import type { ContactId, SessionKey } from '../../../../shared/ids';

/** A typing notice that is not renewed within this long has ended (the peer may have left mid-word). */
export const TYPING_EXPIRES_MS = 6_000;
/**
 * Typing is a state, not an event stream: a change reaches the UIs at most once per this long per contact (the
 * latest state, when it differs from what they were told), however many notices the peer sends.
 */
export const TYPING_SHOWN_EVERY_MS = 400;

/** What is known of a contact only while the app runs. */
export interface Presence {
  /** The key of the open session, when one is open. */
  onlineKey: SessionKey | null;
  typing: boolean;
  typingTimer: NodeJS.Timeout | null;
  /** The typing state the UIs were last told, when, and the timer that tells them the latest one later. */
  shownTyping: boolean;
  shownAt: number;
  showTimer: NodeJS.Timeout | null;
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
      presence = { onlineKey: null, typing: false, typingTimer: null, shownTyping: false, shownAt: 0, showTimer: null };
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
    const presence = this.byPeer.get(peer);
    if (presence?.showTimer) clearTimeout(presence.showTimer);
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
    this.show(peer, presence);
  }

  /**
   * Tells the UIs the contact's typing state, at most once per TYPING_SHOWN_EVERY_MS: a change within that time
   * is told when it ends, if the state then still differs from what they were told.
   */
  private show(peer: ContactId, presence: Presence): void {
    if (presence.showTimer) return;
    const wait = presence.shownAt + TYPING_SHOWN_EVERY_MS - Date.now();
    if (wait > 0) {
      presence.showTimer = setTimeout(() => {
        presence.showTimer = null;
        if (this.byPeer.get(peer) === presence && presence.typing !== presence.shownTyping) this.show(peer, presence);
      }, wait);
      return;
    }
    presence.shownTyping = presence.typing;
    presence.shownAt = Date.now();
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
    // Unannounced, the caller tells the UIs itself (a message arrived): they learn the state from that.
    if (announce) this.show(peer, presence);
    else presence.shownTyping = false;
  }

  close(): void {
    for (const presence of this.byPeer.values()) {
      if (presence.typingTimer) clearTimeout(presence.typingTimer);
      if (presence.showTimer) clearTimeout(presence.showTimer);
    }
  }
}
