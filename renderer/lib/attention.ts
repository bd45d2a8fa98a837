/**
 * What the person is looking at, told to the backend (its messages raise no notification), and, in a browser
 * opened by `peerline --ui`, notifications shown with the Web Notification API. The desktop app's notifications
 * come from its main process instead.
 */
import type { Api } from '../../shared/ipc/client';
import type { EventPayload } from '../../shared/ipc/contract';
import type { AppStore } from '../state/store';

/** The conversation in view: the page visible and focused, and that conversation open; else null. */
function inView(store: AppStore): string | null {
  return document.visibilityState === 'visible' && document.hasFocus() ? store.getState().selectedPeer : null;
}

/** Tells the backend `conversation:viewing` whenever the conversation in view changes. */
export function reportViewing(api: Api, store: AppStore): () => void {
  let told: string | null | undefined;
  const tell = () => {
    const peer = inView(store);
    if (peer === told) return;
    told = peer;
    void api.conversation.viewing({ peer });
  };
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.selectedPeer !== previous.selectedPeer) tell();
  });
  window.addEventListener('focus', tell);
  window.addEventListener('blur', tell);
  document.addEventListener('visibilitychange', tell);
  tell();
  return () => {
    unsubscribe();
    window.removeEventListener('focus', tell);
    window.removeEventListener('blur', tell);
    document.removeEventListener('visibilitychange', tell);
  };
}

/** Whether this browser can show notifications, and whether the person allowed them. */
export function webNotificationPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * Shows `message:notify` as a Web Notification (one per conversation: the `tag` replaces the one before); a
 * click brings the page forward at that conversation.
 */
export function showWebNotification(store: AppStore, notice: EventPayload<'message:notify'>): void {
  if (webNotificationPermission() !== 'granted') return;
  const notification = new Notification(notice.title, { body: notice.body, tag: notice.peer });
  notification.onclick = () => {
    window.focus();
    if (store.getState().conversations[notice.peer] !== undefined) store.getState().selectConversation(notice.peer);
    notification.close();
  };
}
