import { Fragment, useEffect, useId, useState } from 'react';
import { selectSortedConversations } from '../state/selectors';
import { getAppStore } from '../state/store';
import { Modal } from './Modal';

interface Shortcut {
  /** The keys, as shown in the dialog (each is a way to press it). */
  keys: string[];
  does: string;
  matches(event: KeyboardEvent): boolean;
  run(): void;
}

const ctrl = (event: KeyboardEvent) => (event.ctrlKey || event.metaKey) && !event.altKey;
const alt = (event: KeyboardEvent) => event.altKey && !event.ctrlKey && !event.metaKey;
const key = (event: KeyboardEvent) => event.key.toLowerCase();

const focusComposer = () => requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>('.composer-input')?.focus());

/** The next (+1) or previous (-1) conversation in the list, opened with its message box focused. */
function stepConversation(by: 1 | -1) {
  const state = getAppStore().getState();
  const list = selectSortedConversations(state);
  if (list.length === 0) return;
  const at = list.findIndex((c) => c.peer === state.selectedPeer);
  const next = at === -1 ? (by === 1 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + by));
  state.selectConversation(list[next]!.peer);
  focusComposer();
}

function jumpToNewest() {
  const jump = document.querySelector<HTMLButtonElement>('.jump-latest');
  if (jump !== null) jump.click();
  else document.querySelector('.messages-scroller')?.scrollTo({ top: Number.MAX_SAFE_INTEGER });
}

/** Ctrl on Windows and Linux, ⌘ on a Mac; the Alt forms are for a browser, which keeps some Ctrl keys for itself. */
const SHORTCUTS: Shortcut[] = [
  {
    keys: ['Ctrl+N', 'Alt+N'],
    does: 'Connect to someone new',
    matches: (e) => (ctrl(e) || alt(e)) && !e.shiftKey && key(e) === 'n',
    run: () => getAppStore().getState().openDialog({ kind: 'connect' }),
  },
  {
    keys: ['Ctrl+F'],
    does: 'Search messages',
    matches: (e) => ctrl(e) && !e.shiftKey && key(e) === 'f',
    run: () => document.querySelector<HTMLInputElement>('.search input[type="search"]')?.focus(),
  },
  { keys: ['Alt+↓'], does: 'Next conversation', matches: (e) => alt(e) && e.key === 'ArrowDown', run: () => stepConversation(1) },
  { keys: ['Alt+↑'], does: 'Previous conversation', matches: (e) => alt(e) && e.key === 'ArrowUp', run: () => stepConversation(-1) },
  { keys: ['Alt+End'], does: 'Jump to the newest message', matches: (e) => alt(e) && e.key === 'End', run: jumpToNewest },
  {
    keys: ['Ctrl+Shift+T', 'Alt+T'],
    does: 'Write a message (focus the message box)',
    matches: (e) => (ctrl(e) && e.shiftKey && key(e) === 't') || (alt(e) && !e.shiftKey && key(e) === 't'),
    run: focusComposer,
  },
  { keys: ['Ctrl+/'], does: 'Show these shortcuts', matches: (e) => ctrl(e) && e.key === '/', run: () => openShortcuts() },
  { keys: ['Escape'], does: 'Close a dialog, or empty the search', matches: () => false, run: () => {} },
];

let openShortcuts: () => void = () => {};

/**
 * The keyboard shortcuts (while no dialog is open), and the "Keyboard shortcuts" dialog that lists them; the
 * sidebar's button and Ctrl+/ open it.
 */
export function Shortcuts() {
  const [open, setOpen] = useState(false);
  const titleId = useId();

  useEffect(() => {
    openShortcuts = () => setOpen(true);
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing || document.querySelector('dialog[open]') !== null) return;
      const shortcut = SHORTCUTS.find((s) => s.matches(event));
      if (shortcut === undefined) return;
      event.preventDefault();
      shortcut.run();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <>
      <button type="button" className="btn icon-btn shortcuts-btn" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (Ctrl+/)" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        <span aria-hidden="true">⌨</span>
      </button>
      {open && (
        <Modal labelledBy={titleId} onCancel={() => setOpen(false)} className="shortcuts-dialog">
          <h2 id={titleId} className="modal-title">
            Keyboard shortcuts
          </h2>
          <dl className="shortcut-list">
            {SHORTCUTS.map((s) => (
              <Fragment key={s.does}>
                <dt>
                  {s.keys.map((k, i) => (
                    <Fragment key={k}>
                      {i > 0 && <span className="shortcut-or"> or </span>}
                      <kbd>{k}</kbd>
                    </Fragment>
                  ))}
                </dt>
                <dd>{s.does}</dd>
              </Fragment>
            ))}
          </dl>
          <p className="hint">In the conversation list, ↑ and ↓ move between conversations. In the message box, Enter sends and Shift+Enter starts a new line.</p>
          <div className="modal-actions">
            <button type="button" className="btn primary" onClick={() => setOpen(false)} autoFocus>
              Close
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}
