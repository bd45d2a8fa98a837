import type { InboundChat, Inbox } from '../../electron/core/features/chat/delivery';
import { RecentIds } from './recent-ids';

/** A chat as the memory inbox hands it on: whose session it came on, and the chat. */
export interface ReceivedChat {
  peer: string;
  id?: string;
  text: string;
  sentAt?: number;
}

/** How many received message ids each peer's dedupe window remembers. */
const DEDUPE_WINDOW = 16_384;
const STORED: Promise<void> = Promise.resolve();

/**
 * The inbox of a test peer with no store: it drops ids seen recently (a window per peer, as the durable store
 * drops ids it has) and hands the rest on at once.
 */
export class MemoryInbox implements Inbox {
  private readonly windows = new Map<string, RecentIds>();

  constructor(private readonly deliver: (chat: ReceivedChat) => void) {}

  receive(peer: string, chat: InboundChat): Promise<void> {
    if (chat.id !== undefined) {
      let seen = this.windows.get(peer);
      if (!seen) this.windows.set(peer, (seen = new RecentIds(DEDUPE_WINDOW)));
      if (seen.has(chat.id)) return STORED;
      seen.add(chat.id);
    }
    this.deliver({ peer, id: chat.id, text: chat.text, sentAt: chat.sentAt });
    return STORED;
  }
}
