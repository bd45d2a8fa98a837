/**
 * Our messages on their way: sent, shown as "sending" until `message:send` answers (kept with the reason when it
 * refuses), sent again, withdrawn; and the typing indicator the peer sees.
 */
import type { Message, MessageStatus } from '../../shared/ipc/contract';
import { withLastMessage } from './conversations';
import { HISTORY_CAP, laterStatus, pendingFailed, replayedMessage, windowWithMessage, withoutPending, withPending, withStatus } from './history';
import { messageRemoved, updateWindow } from './messages';
import { toastError } from './ui';
import type { AppState, Change, LocalMessage, SliceCreator } from './types';

export interface SendingSlice {
  sendMessage(peer: string, text: string): Promise<void>;
  /**
   * A message of ours that failed, sent again: one that `message:send` refused (a local id) with its text, a
   * stored one with `message:retry`.
   */
  retryMessage(peer: string, id: string): Promise<void>;
  /**
   * A message of ours taken back: one that `message:send` refused (a local id) is dropped here, a stored one
   * that is queued or failed is withdrawn with `message:cancel`.
   */
  cancelMessage(peer: string, id: string): Promise<void>;
  setTyping(peer: string, active: boolean): void;
}

export const sendingSlice: SliceCreator<SendingSlice> = ({ api, now, cap }) => (set, get) => {
  let localIds = 0;

  const localMessage = (peer: string, id: string) => get().messages[peer]?.pending.find((item) => item.id === id);

  async function sendMessage(peer: string, text: string): Promise<void> {
    // The person reads further back: what they send shows at the newest, so the view goes there.
    if (get().messages[peer]?.hasNewer === true) void get().loadNewest(peer);
    const localId = `local-${++localIds}`;
    set((state) => sendStarted(state, { local: true, id: localId, peer, fromMe: true, kind: 'chat', text, at: now() }));
    const result = await api.message.send({ peer, text });
    if (result.ok) set((state) => sendSucceeded(state, peer, localId, result.value, cap));
    else set((state) => sendFailed(state, peer, localId, result.error.message));
  }

  return {
    sendMessage,

    async retryMessage(peer, id) {
      const local = localMessage(peer, id);
      if (local !== undefined) {
        set((state) => localMessageRemoved(state, peer, id));
        return sendMessage(peer, local.text);
      }
      const held = get().messages[peer]?.items.find((item) => item.id === id);
      if (held === undefined) return;
      set((state) => messageStatusSet(state, peer, id, 'queued'));
      const result = await api.message.retry({ peer, id });
      if (result.ok) {
        set((state) => retryAnswered(state, result.value));
        return;
      }
      set((state) => messageStatusSet(state, peer, id, held.status ?? 'failed', held.failure));
      toastError(get(), result);
    },

    async cancelMessage(peer, id) {
      if (localMessage(peer, id) !== undefined) {
        set((state) => localMessageRemoved(state, peer, id));
        return;
      }
      const result = await api.message.cancel({ peer, id });
      if (result.ok) set((state) => messageRemoved(state, { peer, id }));
      else toastError(get(), result);
    },

    setTyping(peer, active) {
      // Best effort: an offline peer or a plain-text one simply does not see it.
      void api.message.typing({ peer, active });
    },
  };
};

/** Our message is shown as "sending" until `message:send` answers. */
export function sendStarted(state: AppState, message: LocalMessage): Change {
  return updateWindow(state, message.peer, (current) => withPending(current, message), true);
}

/**
 * `message:send` answered with the stored message: it takes the place of the local one, moved on by any status
 * an event brought before the answer (or left out when an event removed it meanwhile).
 */
export function sendSucceeded(state: AppState, peer: string, localId: string, message: Message, cap = HISTORY_CAP): Change {
  const change = updateWindow(state, peer, (current) => {
    const stored = replayedMessage(message, current.arrived);
    const without = withoutPending(current, localId);
    return stored === null ? without : windowWithMessage(without, stored, cap);
  });
  return { ...change, ...withLastMessage({ ...state, ...change }, message) };
}

/** `message:send` answered with an error: the local message stays, marked failed, with the reason. */
export function sendFailed(state: AppState, peer: string, localId: string, error: string): Change {
  return updateWindow(state, peer, (current) => pendingFailed(current, localId, error));
}

/** A local message that `message:send` refused goes (before it is sent again, or when the person cancels it). */
export function localMessageRemoved(state: AppState, peer: string, localId: string): Change {
  return updateWindow(state, peer, (current) => withoutPending(current, localId));
}

/** A stored message's status, set by the person's own action (a retry starts it queued again; a failed retry puts back what was). */
export function messageStatusSet(state: AppState, peer: string, id: string, status: MessageStatus, failure?: string): Change {
  return updateWindow(state, peer, (current) => {
    const index = current.items.findIndex((message) => message.id === id);
    if (index === -1) return null;
    const items = current.items.slice();
    items[index] = withStatus(items[index]!, status, failure);
    return { ...current, items };
  });
}

/** `message:retry` answered: the message as stored again; events may have taken it further meanwhile. */
export function retryAnswered(state: AppState, message: Message): Change {
  return updateWindow(state, message.peer, (current) => {
    const index = current.items.findIndex((item) => item.id === message.id);
    if (index === -1) return null;
    const held = current.items[index]!;
    const items = current.items.slice();
    const status = laterStatus(message.status, held.status);
    // When what is held wins (a failure came before the answer), so does its reason.
    const failure = status === held.status ? (held.failure ?? message.failure) : message.failure;
    items[index] = withStatus({ ...held, ...message }, status, failure);
    return { ...current, items };
  });
}
