import { useEffect, useId, useState } from 'react';
import { useStore } from '../state/store';
import { Avatar } from './Avatar';
import { Composer } from './Composer';
import { useActions } from './context';
import { useConnectAttempt, usePageVisible } from './hooks';
import { BackIcon, LockIcon, LockOpenIcon } from './icons';
import { MessageList } from './MessageList';

/** One conversation: header, history, typing indicator and composer. Viewing it marks it read. */
export function ConversationView({ peer }: { peer: string }) {
  const actions = useActions();
  const exists = useStore((s) => s.conversations[peer] !== undefined);
  const unread = useStore((s) => s.conversations[peer]?.unread ?? 0);
  const plain = useStore((s) => s.conversations[peer]?.mode === 'plain');
  const visible = usePageVisible();
  const titleId = useId();

  // The backend owns unread counts; while the conversation is on screen, anything unread is read.
  useEffect(() => {
    if (visible && unread > 0) void actions.markRead(peer);
  }, [actions, peer, unread, visible]);

  if (!exists) return null;

  return (
    <section className="conversation" aria-labelledby={titleId}>
      <ConversationHeader peer={peer} titleId={titleId} />
      {plain && (
        <p className="notice notice-warn">
          <LockOpenIcon /> Unencrypted: anyone on the network can read these messages, and who is on the other end is not verified.
        </p>
      )}
      <MessageList peer={peer} />
      <TypingIndicator peer={peer} />
      <Composer peer={peer} />
    </section>
  );
}

function ConversationHeader({ peer, titleId }: { peer: string; titleId: string }) {
  const conversation = useStore((s) => s.conversations[peer]);
  const actions = useActions();
  const [busy, setBusy] = useState<null | { kind: 'reconnect' } | { kind: 'disconnect' }>(null);
  const [error, setError] = useState<string | null>(null);
  const attempt = useConnectAttempt();

  if (conversation === undefined) return null;
  const { name, address, fingerprint, state, mode, lastReason } = conversation;

  async function reconnect() {
    setBusy({ kind: 'reconnect' });
    setError(null);
    const result = await attempt.run((id) => actions.reconnect(peer, id));
    if (result === null) return;
    setBusy(null);
    if (!result.ok && result.error.code !== 'dial-cancelled') setError(result.error.message);
  }

  function cancelReconnect() {
    setBusy(null);
    attempt.cancel();
  }

  async function disconnect() {
    setBusy({ kind: 'disconnect' });
    setError(null);
    await actions.disconnect(peer);
    setBusy(null);
  }

  const reconnecting = busy?.kind === 'reconnect';
  const shownState = reconnecting && state === 'offline' ? 'connecting' : state;

  return (
    <header className="conv-header">
      <button type="button" className="btn icon-btn back-btn" aria-label="Back to conversations" onClick={() => actions.selectConversation(null)}>
        <BackIcon />
      </button>
      <Avatar name={name} colourKey={peer} state={shownState} />
      <div className="conv-title">
        <h2 id={titleId} className="conv-heading" title={name}>
          {name}
        </h2>
        <p className="conv-sub">
          <span className={`presence presence-${shownState}`}>{shownState}</span>
          {address !== name && (
            <>
              <span className="sep" aria-hidden="true">
                ·
              </span>
              <span className="mono" title="Address">
                {address}
              </span>
            </>
          )}
          {mode === 'plain' ? (
            <span className="badge badge-warn">
              <LockOpenIcon /> unencrypted
            </span>
          ) : (
            <span className="badge badge-ok" title="End-to-end encrypted">
              <LockIcon /> encrypted
            </span>
          )}
        </p>
        {fingerprint !== undefined && (
          <p className="conv-fingerprint">
            <span className="label">Fingerprint</span> <span className="mono">{fingerprint}</span>
          </p>
        )}
        {state === 'offline' && lastReason !== undefined && lastReason !== '' && !reconnecting && <p className="conv-reason">{lastReason}</p>}
        {error !== null && (
          <p className="conv-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div className="conv-actions">
        {reconnecting ? (
          <>
            <span className="pending" role="status">
              <span className="spinner" aria-hidden="true" />
              <span>Connecting…</span>
            </span>
            <button type="button" className="btn" onClick={cancelReconnect}>
              Cancel
            </button>
          </>
        ) : state === 'offline' ? (
          <button type="button" className="btn" onClick={reconnect}>
            Reconnect
          </button>
        ) : (
          <button type="button" className="btn" onClick={disconnect} disabled={busy !== null}>
            Disconnect
          </button>
        )}
      </div>
    </header>
  );
}

function TypingIndicator({ peer }: { peer: string }) {
  const typing = useStore((s) => s.conversations[peer]?.typing === true && s.conversations[peer]?.state === 'online');
  const name = useStore((s) => s.conversations[peer]?.name ?? '');
  return (
    <div className="typing-indicator" aria-live="polite">
      {typing && (
        <>
          <span className="typing-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {name} is typing…
        </>
      )}
    </div>
  );
}
