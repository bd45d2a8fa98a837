/**
 * The `Transport` the preload hands to the page: invoke only the contract's channels, hear only its events,
 * pass payloads (never Electron's event object). Imports channel names and Result helpers only, not the
 * contract's schemas, so the preload bundle stays small. `electron` is a type import: the caller passes
 * `ipcRenderer` in, so Vitest can check this with a stand-in.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, isInvokeChannel, type EventChannel } from '../../shared/ipc/channels';
import type { Transport } from '../../shared/ipc/client';
import { fail, type Result } from '../../shared/ipc/result';

export type IpcRendererLike = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

export function createTransport(ipcRenderer: IpcRendererLike): Transport {
  return {
    invoke(channel, request) {
      if (!isInvokeChannel(channel)) {
        return Promise.resolve(fail('unknown-channel', `There is no channel ${JSON.stringify(channel)}.`));
      }
      // Main answers with a Result; a rejection means no answer at all (no handler yet, a closed window).
      return (ipcRenderer.invoke(channel, request) as Promise<Result<unknown>>).catch((err: unknown) =>
        fail('internal', `Peerline's background process did not answer: ${err instanceof Error ? err.message : String(err)}`),
      );
    },
    subscribe(listener) {
      if (typeof listener !== 'function') throw new TypeError('subscribe needs a function.');
      const registered = EVENT_CHANNELS.map((channel: EventChannel) => {
        const forward = (_event: IpcRendererEvent, payload: unknown) => listener(channel, payload);
        ipcRenderer.on(channel, forward);
        return () => void ipcRenderer.removeListener(channel, forward);
      });
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        for (const unsubscribe of registered) unsubscribe();
      };
    },
  };
}
