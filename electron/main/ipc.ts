/**
 * The Electron transport of the IPC contract: one `ipcMain.handle` per invoke channel, each checking its sender
 * before `dispatch` validates the payload, and events from `AppService` forwarded to the live window. `electron`
 * is imported for types only; main passes the runtime objects in, so Vitest drives this with stand-ins.
 */
import type { IpcMain, WebContents, WebFrameMain } from 'electron';
import { INVOKE_CHANNELS, type EventChannel } from '../../shared/ipc/channels';
import type { ContractHandlers, EventSink } from '../../shared/ipc/contract';
import { dispatch } from '../../shared/ipc/dispatch';
import { fail } from '../../shared/ipc/result';

export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;
export type SenderCheck = (frame: WebFrameMain | null) => boolean;

/** The answer to a caller that is not our window's page. */
export const UNTRUSTED_SENDER_MESSAGE = 'This request did not come from the Peerline window.';

/**
 * Registers a handler for every channel in INVOKE_CHANNELS (the contract checks that list against its map, and
 * `ContractHandlers` demands one function per channel, so a missing one does not compile). Returns the undo.
 */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  handlers: ContractHandlers,
  isTrustedSender: SenderCheck,
  log: (line: string) => void = (line) => console.warn(`peerline: ${line}`),
): () => void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, async (event, request: unknown) => {
      if (!isTrustedSender(senderFrameOf(event))) {
        log(`refused ${channel} from an untrusted sender (${describeFrame(senderFrameOf(event))})`);
        return fail('invalid-request', UNTRUSTED_SENDER_MESSAGE);
      }
      return dispatch(handlers, channel, request);
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** The window whose page may call us and receives our events. */
export interface AppWindowLike {
  isDestroyed(): boolean;
  readonly webContents: Pick<WebContents, 'isDestroyed' | 'send'> & { readonly mainFrame: WebFrameMain };
}

/**
 * Trusted: the main frame of our window (not an iframe, not another window), currently showing our own page.
 * Frames are compared by process and routing id as well as identity: both name the same frame.
 */
export function createSenderCheck(getWindow: () => AppWindowLike | null | undefined, isAppUrl: (url: string) => boolean): SenderCheck {
  return (frame) => {
    if (frame === null || frame === undefined) return false;
    try {
      const win = getWindow();
      if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return false;
      const main = win.webContents.mainFrame;
      const same = frame === main || (frame.processId === main.processId && frame.routingId === main.routingId);
      return same && frame.parent === null && isAppUrl(frame.url);
    } catch {
      return false; // a frame disposed while we looked at it
    }
  };
}

/** Every event from the service goes to the window, if there is a live one; otherwise it is dropped. */
export function forwardEvents(
  service: { subscribe(sink: EventSink): () => void },
  getWindow: () => Pick<AppWindowLike, 'isDestroyed' | 'webContents'> | null | undefined,
): () => void {
  return service.subscribe(<E extends EventChannel>(event: E, payload: unknown) => {
    const win = getWindow();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    win.webContents.send(event, payload);
  });
}

function senderFrameOf(event: { senderFrame?: WebFrameMain | null }): WebFrameMain | null {
  try {
    return event.senderFrame ?? null;
  } catch {
    return null;
  }
}

function describeFrame(frame: WebFrameMain | null): string {
  if (frame === null) return 'no frame';
  try {
    return `frame ${frame.processId}/${frame.routingId} at ${JSON.stringify(frame.url)}`;
  } catch {
    return 'a disposed frame';
  }
}
