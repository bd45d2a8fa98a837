/**
 * Whether a message raises a notification, and what the notification says: pure, so the core decides it the
 * same for every window and tests reach every rule without Electron or a browser.
 */
import type { Conversation, Message, NotificationContent } from './ipc/contract';

/**
 * A message written longer than this before it arrived is history catching up (a peer back online resending
 * what waited): it counts as unread but does not notify.
 */
export const CATCH_UP_AGE_MS = 10 * 60_000;
/** The most characters of a message a notification shows. */
export const NOTIFICATION_TEXT_CHARS = 180;

export interface NotifyContext {
  setting: NotificationContent;
  /** The conversation the person is looking at (the window focused and visible, that conversation open), or null. */
  inView: string | null;
  /** The message's conversation as it is now. */
  conversation: Conversation | undefined;
}

/**
 * True for a chat message from the peer, arriving live, into a conversation not in view, from a key the person
 * trusts. Never for: notifications off, our own messages, notices, the conversation in view, catch-up of old
 * history, a message from a key awaiting approval or to a contact whose new key awaits approval.
 */
export function shouldNotify(message: Message, ctx: NotifyContext): boolean {
  if (ctx.setting === 'off' || message.fromMe || message.kind !== 'chat') return false;
  if (message.peer === ctx.inView) return false;
  if (message.at - message.sentAt > CATCH_UP_AGE_MS) return false;
  if (message.unapprovedKey || ctx.conversation?.keyChange?.needsApproval) return false;
  return true;
}

export interface NotificationText {
  title: string;
  body: string;
}

/**
 * What a conversation's notification says, with `count` messages since the person last looked (coalesced:
 * one notification per conversation, replaced by the next). The setting decides how much it shows.
 */
export function notificationText(setting: Exclude<NotificationContent, 'off'>, name: string, text: string, count: number): NotificationText {
  const more = count > 1 ? `${count} new messages` : 'New message';
  if (setting === 'neither') return { title: 'Peerline', body: more };
  if (setting === 'name-only') return { title: name, body: more };
  const shown = text.length > NOTIFICATION_TEXT_CHARS ? `${text.slice(0, NOTIFICATION_TEXT_CHARS - 1)}…` : text;
  return { title: name, body: count > 1 ? `${shown} (${count} new messages)` : shown };
}
