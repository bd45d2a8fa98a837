import { useEffect } from 'react';
import { selectHasConversations, selectSelectedConversation, selectShownNotices, selectUnreadTotal } from '../state/selectors';
import { useStore } from '../state/store';
import { Announcer } from './Announcer';
import { ConnectDialog } from './ConnectDialog';
import { ConnectivityDialog } from './ConnectivityDialog';
import { ContactDialog, RemoveContactDialog } from './ContactDialog';
import { ConversationView } from './ConversationView';
import { GroupList, GroupView, NewGroupDialog } from './Groups';
import { AlertIcon, ChatIcon, CloseIcon, Logo, PlusIcon, SettingsIcon } from './icons';
import { MyCard } from './MyCard';
import { NearbyList } from './Nearby';
import { OpenLinkDialog } from './OpenLinkDialog';
import { SidebarList } from './Search';
import { SettingsDialog } from './SettingsDialog';
import { Shortcuts } from './Shortcuts';
import { Welcome } from './Welcome';

export function App() {
  const phase = useStore((s) => s.boot.phase);
  const nameChosen = useStore((s) => s.identity?.nameChosen ?? true);
  useDocumentTitle();

  return (
    <div className="app">
      <ConnectionBanner />
      {phase === 'loading' ? (
        <Splash />
      ) : phase === 'failed' ? (
        <BootFailed />
      ) : phase === 'no-token' ? (
        <NoToken />
      ) : !nameChosen ? (
        <Welcome />
      ) : (
        <Shell />
      )}
      <Toasts />
      {phase === 'ready' && <Dialogs />}
    </div>
  );
}

function Shell() {
  const peer = useStore((s) => selectSelectedConversation(s)?.peer ?? null);
  const group = useStore((s) => s.selectedGroup);
  const openDialog = useStore((s) => s.openDialog);

  return (
    <>
      <NoticesBanner />
      <div className={`shell${peer !== null || group !== null ? ' has-selection' : ''}`}>
        <header className="sr-only">
          <h1>Peerline</h1>
          <Announcer />
        </header>
        <aside className="sidebar">
          <MyCard />
          <div className="sidebar-actions">
            <button type="button" className="btn primary connect-btn" onClick={() => openDialog({ kind: 'connect' })}>
              <PlusIcon />
              <span>Connect</span>
            </button>
            <button type="button" className="btn icon-btn" aria-label="Settings" title="Settings" onClick={() => openDialog({ kind: 'settings' })}>
              <SettingsIcon />
            </button>
            <Shortcuts />
          </div>
          <SidebarList />
          <GroupList />
          <NearbyList />
        </aside>
        <main className="pane">
          {group !== null ? <GroupView key={group} group={group} /> : peer !== null ? <ConversationView key={peer} peer={peer} /> : <NothingSelected />}
        </main>
      </div>
    </>
  );
}

/**
 * What went wrong while Peerline started (a damaged store set aside, say): above everything until the person
 * dismisses it; Settings lists it too.
 */
function NoticesBanner() {
  const shown = useStore(selectShownNotices);
  const dismiss = useStore((s) => s.dismissNotices);
  if (shown.length === 0) return null;
  return (
    <section className="banner notices-banner" aria-label="Notices">
      <AlertIcon />
      <div className="notices-text">
        {shown.map((notice) => (
          <p key={notice}>{notice}</p>
        ))}
      </div>
      <button type="button" className="btn small" onClick={() => dismiss(shown)}>
        Dismiss notice
      </button>
    </section>
  );
}

function NothingSelected() {
  const any = useStore(selectHasConversations);
  return (
    <div className="pane-empty">
      <ChatIcon size={56} />
      <h2>{any ? 'Pick a conversation' : 'Start a conversation'}</h2>
      <p className="hint">
        {any
          ? 'Choose someone on the left, or press Connect to reach someone new.'
          : 'Press Connect and type another Peerline’s address — or give someone one of your addresses on the left.'}
      </p>
    </div>
  );
}

function Dialogs() {
  const dialog = useStore((s) => s.dialog);
  if (dialog === null) return null;
  switch (dialog.kind) {
    case 'connect':
      return <ConnectDialog />;
    case 'settings':
      return <SettingsDialog />;
    case 'open-link':
      return <OpenLinkDialog href={dialog.href} />;
    case 'contact':
      return <ContactDialog peer={dialog.peer} />;
    case 'remove-contact':
      return <RemoveContactDialog peer={dialog.peer} />;
    case 'new-group':
      return <NewGroupDialog />;
    case 'connectivity':
      return <ConnectivityDialog />;
  }
}

function Splash() {
  return (
    <div className="splash" role="status">
      <Logo size={56} />
      <p>Starting Peerline…</p>
    </div>
  );
}

function BootFailed() {
  const error = useStore((s) => (s.boot.phase === 'failed' ? s.boot.error : ''));
  const retryLink = useStore((s) => s.retryLink);
  return (
    <main className="splash">
      <Logo size={56} />
      <h1>Peerline could not start</h1>
      <p role="alert">{error}</p>
      <button type="button" className="btn primary" onClick={() => retryLink()}>
        Try again
      </button>
    </main>
  );
}

export function NoToken() {
  return (
    <main className="splash">
      <Logo size={56} />
      <h1>Open the link from Peerline</h1>
      <p>
        This page needs the address that <span className="mono">peerline --ui</span> printed when it started: it carries a key that lets this window in.
        Open that address again.
      </p>
    </main>
  );
}

function ConnectionBanner() {
  const status = useStore((s) => s.link.status);
  const everOpened = useStore((s) => s.link.everOpened);
  const failures = useStore((s) => s.link.failures);
  const retryLink = useStore((s) => s.retryLink);
  if (status === 'open' || (!everOpened && failures === 0)) return null;
  return (
    <div className="banner" role="alert">
      <span className="spinner" aria-hidden="true" />
      <span>{everOpened ? 'Lost the connection to Peerline. Reconnecting…' : 'Cannot reach Peerline. Retrying…'}</span>
      <button type="button" className="btn small" onClick={() => retryLink()}>
        Retry now
      </button>
    </div>
  );
}

/** How long a toast stays before it goes by itself. */
const TOAST_MS = { info: 5_000, error: 10_000 } as const;

function Toasts() {
  const toasts = useStore((s) => s.toasts);
  const dismiss = useStore((s) => s.dismissToast);
  return (
    <div className="toasts" aria-label="Notifications" role="region">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} id={toast.id} tone={toast.tone} text={toast.text} dismiss={dismiss} />
      ))}
    </div>
  );
}

function ToastItem({ id, tone, text, dismiss }: { id: number; tone: 'error' | 'info'; text: string; dismiss(id: number): void }) {
  useEffect(() => {
    const timer = setTimeout(() => dismiss(id), TOAST_MS[tone]);
    return () => clearTimeout(timer);
  }, [dismiss, id, tone]);
  return (
    <div className={`toast toast-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <span className="toast-text">{text}</span>
      <button type="button" className="btn icon-btn" aria-label="Dismiss" onClick={() => dismiss(id)}>
        <CloseIcon />
      </button>
    </div>
  );
}

/** "(3) Peerline" while messages are unread. */
function useDocumentTitle() {
  const unread = useStore(selectUnreadTotal);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Peerline` : 'Peerline';
  }, [unread]);
}
