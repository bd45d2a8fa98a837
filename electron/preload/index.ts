/**
 * The preload (built into one CommonJS file, out/preload/preload.cjs: a sandboxed preload's `require` knows
 * little more than `electron`). Exposes one object, `window.peerline`, a `Transport` of the IPC contract;
 * `contextBridge` copies it, so it holds plain functions only. Never `ipcRenderer` itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createTransport } from './transport';

contextBridge.exposeInMainWorld('peerline', createTransport(ipcRenderer));
