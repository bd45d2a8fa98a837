/**
 * System notifications in the main process: one per conversation (a newer one replaces it), each kept
 * referenced until it is clicked or closed (an Electron Notification that is garbage-collected loses its click
 * handler). A click opens the window at that conversation. `Notification` comes in as an argument, so tests
 * drive this with a stand-in.
 */
import type { NotificationConstructorOptions } from 'electron';

/** The part of Electron's Notification we use. */
export interface NotificationLike {
  on(event: 'click' | 'close' | 'failed', listener: () => void): unknown;
  show(): void;
  close(): void;
}

export interface NotificationServiceOptions {
  createNotification: (options: NotificationConstructorOptions) => NotificationLike;
  /** Notification.isSupported(): false on a Linux desktop without a notification daemon. */
  isSupported: () => boolean;
  /** Brings the window up showing this conversation. */
  openConversation: (peer: string) => void;
}

export class NotificationService {
  /** The notification shown for each conversation, referenced until it is clicked or closed. */
  private readonly shown = new Map<string, NotificationLike>();

  constructor(private readonly opts: NotificationServiceOptions) {}

  /** Shows `message:notify`'s notification, replacing the conversation's previous one. */
  show({ peer, title, body }: { peer: string; title: string; body: string }): void {
    if (!this.opts.isSupported()) return;
    this.clear(peer);
    const notification = this.opts.createNotification({ title, body });
    this.shown.set(peer, notification);
    const forget = () => {
      if (this.shown.get(peer) === notification) this.shown.delete(peer);
    };
    notification.on('click', () => {
      forget();
      this.opts.openConversation(peer);
    });
    notification.on('close', forget);
    notification.on('failed', forget);
    notification.show();
  }

  /** Takes the conversation's notification away (it was read, or removed). */
  clear(peer: string): void {
    const previous = this.shown.get(peer);
    if (!previous) return;
    this.shown.delete(peer);
    previous.close();
  }

  /** The conversations with a notification showing (what is kept referenced). */
  showing(): string[] {
    return [...this.shown.keys()];
  }
}
