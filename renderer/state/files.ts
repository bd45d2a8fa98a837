/**
 * File transfers: every transfer as the backend last told it (`file:updated`), the offers waiting for an answer
 * (`file:offered`: the first names, the count and the free space), and the person's actions. Files are picked by
 * the system's chooser in the desktop app (`file:choose`); a browser page (`peerline --ui`) uploads the files it
 * picked, dropped or pasted to its local Peerline (`upload`), which offers them onward.
 */
import type { EventPayload, Transfer } from '../../shared/ipc/contract';
import type { Result } from '../../shared/ipc/result';
import type { Change, SliceCreator } from './types';

export type FileOffer = EventPayload<'file:offered'>;

/** How a page hands a picked file to its local Peerline: absent in the desktop app, which picks by path. */
export type Upload = (peer: string, file: File) => Promise<Result<Transfer>>;

export interface FilesSlice {
  transfers: Record<string, Transfer>;
  offers: Record<string, FileOffer>;
  loadTransfers(): Promise<void>;
  /** The system's file chooser (desktop app), or files the page has (browser): offered to `peer`. */
  chooseFiles(peer: string): Promise<void>;
  sendFiles(peer: string, files: readonly File[]): Promise<void>;
  /** Whether this window picks files itself (a browser page) rather than through the desktop app's chooser. */
  picksFiles: boolean;
  transferAction(transfer: string, action: 'accept' | 'decline' | 'pause' | 'resume' | 'cancel'): Promise<void>;
  showTransfer(transfer: string): Promise<string | null>;
}

export function transferUpdated(state: { transfers: Record<string, Transfer> }, transfer: Transfer): Change {
  return { transfers: { ...state.transfers, [transfer.transfer]: transfer } };
}

export function fileOffered(state: { offers: Record<string, FileOffer> }, offer: FileOffer): Change {
  return { offers: { ...state.offers, [offer.transfer]: offer } };
}

export const filesSlice =
  (upload: Upload | undefined): SliceCreator<FilesSlice> =>
  ({ api }) =>
  (set, get) => {
    const told = (result: Result<Transfer>) => {
      if (result.ok) set((state) => transferUpdated(state, result.value));
      else get().pushToast('error', result.error.message);
    };
    return {
      transfers: {},
      offers: {},
      picksFiles: upload !== undefined,
      async loadTransfers() {
        const result = await api.file.list();
        if (result.ok) set({ transfers: Object.fromEntries(result.value.map((t) => [t.transfer, t])) });
      },
      async chooseFiles(peer) {
        const result = await api.file.choose({ peer });
        if (!result.ok) return void get().pushToast('error', result.error.message);
        for (const transfer of result.value) set((state) => transferUpdated(state, transfer));
      },
      async sendFiles(peer, files) {
        if (upload === undefined) return void get().pushToast('error', 'Use the attach button to pick files in the desktop app.');
        for (const file of files) told(await upload(peer, file));
      },
      async transferAction(transfer, action) {
        told(await api.file[action]({ transfer }));
      },
      async showTransfer(transfer) {
        const result = await api.file.show({ transfer });
        if (!result.ok) {
          get().pushToast('error', result.error.message);
          return null;
        }
        return result.value.path;
      },
    };
  };
