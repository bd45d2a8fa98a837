/** What only this window knows: the conversation open, the dialog, the theme, toasts, drafts, notices put away. */
import type { StateCreator } from 'zustand/vanilla';
import type { Result } from '../../shared/ipc/result';
import type { AppState, Dialog, ThemePreference, Toast } from './types';

export interface UiSlice {
  /** The desktop app, not a browser page of `peerline --ui`. */
  desktop: boolean;
  selectedPeer: string | null;
  dialog: Dialog | null;
  theme: ThemePreference;
  toasts: Toast[];
  /** Unsent composer text per peer, kept when switching conversations. */
  drafts: Record<string, string>;
  /** Start-up notices (`node.notices`) the person put away. */
  dismissedNotices: string[];
  selectPeer(peer: string | null): void;
  openDialog(dialog: Dialog): void;
  closeDialog(): void;
  setTheme(theme: ThemePreference): void;
  pushToast(tone: Toast['tone'], text: string): number;
  dismissToast(id: number): void;
  setDraft(peer: string, text: string): void;
  dismissNotices(notices: readonly string[]): void;
}

/** At most this many toasts at once; the oldest goes first. */
const TOAST_LIMIT = 4;

export function uiSlice(initialTheme: ThemePreference, desktop: boolean): StateCreator<AppState, [], [], UiSlice> {
  let nextToastId = 1;
  return (set) => ({
    desktop,
    selectedPeer: null,
    dialog: null,
    theme: initialTheme,
    toasts: [],
    drafts: {},
    dismissedNotices: [],
    // One pane: a conversation or a group (groups.ts clears the conversation when a group opens).
    selectPeer: (peer) => set({ selectedPeer: peer, ...(peer !== null && { selectedGroup: null }) }),
    openDialog: (dialog) => set({ dialog }),
    closeDialog: () => set({ dialog: null }),
    setTheme: (theme) => set({ theme }),
    pushToast: (tone, text) => {
      const id = nextToastId++;
      set((state) => ({ toasts: [...state.toasts.slice(-(TOAST_LIMIT - 1)), { id, tone, text }] }));
      return id;
    },
    dismissToast: (id) => set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) })),
    setDraft: (peer, text) =>
      set((state) => {
        if ((state.drafts[peer] ?? '') === text) return {};
        const drafts = { ...state.drafts };
        if (text === '') delete drafts[peer];
        else drafts[peer] = text;
        return { drafts };
      }),
    dismissNotices: (notices) => set((state) => ({ dismissedNotices: [...new Set([...state.dismissedNotices, ...notices])] })),
  });
}

/** A backend refusal as a toast; its message is a sentence for the person at the screen. */
export function toastError(state: AppState, result: Result<unknown>): void {
  if (!result.ok) state.pushToast('error', result.error.message);
}
