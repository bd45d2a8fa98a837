/**
 * How a message's status moves, one rule for the store and the window alike. Acks, read receipts, resends and
 * retries can race each other: the newest word wins (failed after sent, queued again after a retry), except that
 * a message the peer has stored never goes back: not from read, nor from delivered except to read.
 */
import type { MessageStatus } from './ipc/contract';

export function statusAfter(current: MessageStatus | undefined, next: MessageStatus): MessageStatus {
  if (current === 'read') return 'read';
  if (current === 'delivered' && next !== 'read') return 'delivered';
  return next;
}
