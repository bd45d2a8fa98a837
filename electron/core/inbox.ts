import type { InboundChat } from './connection';
import { RecentIds } from './recent-ids';

/**
 * Where a PeerNode hands every chat it receives, in arrival order. A secure chat is acknowledged to its sender
 * only once `receive` resolves, so an inbox that stores messages resolves after the write is durable. If it
 * rejects, the node closes that connection without acknowledging, and the sender sends the message again on its
 * next session. A chat can therefore arrive more than once (its ack was lost on the way): `receive` resolves for
 * an id it already has, without keeping it twice. Plain-text chats have no id, and no acknowledgement.
 */
export interface Inbox {
  receive(peer: string, chat: InboundChat): Promise<void>;
}

/**
 * How many received message ids each peer's dedupe window remembers. A resend after a broken connection repeats
 * only what was not acknowledged, which is what was in flight when it broke: far fewer than this.
 */
const DEDUPE_WINDOW = 16_384;
const STORED: Promise<void> = Promise.resolve();

/**
 * The inbox of a node that has no store: it drops ids seen recently (a window per peer) and hands the rest on at
 * once. The node tells it when a peer is forgotten, so the windows live exactly as long as the node's memory of
 * their peers.
 */
export class MemoryInbox implements Inbox {
  private readonly windows = new Map<string, RecentIds>();

  constructor(private readonly deliver: (peer: string, chat: InboundChat) => void) {}

  receive(peer: string, chat: InboundChat): Promise<void> {
    if (chat.id !== undefined) {
      let seen = this.windows.get(peer);
      if (!seen) {
        seen = new RecentIds(DEDUPE_WINDOW);
        this.windows.set(peer, seen);
      }
      if (seen.has(chat.id)) return STORED;
      seen.add(chat.id);
    }
    this.deliver(peer, chat);
    return STORED;
  }

  forget(peer: string): void {
    this.windows.delete(peer);
  }
}
