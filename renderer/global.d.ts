import type { Transport } from '../shared/ipc/client';

declare global {
  interface Window {
    /** Exposed by the Electron preload (contextBridge): the contract's transport over IPC. Absent in a browser. */
    peerline?: Transport;
  }
}
