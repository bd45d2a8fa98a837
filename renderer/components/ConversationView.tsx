import { pathLabel } from '../../shared/session-path';
import { useId, useState } from 'react';
import { selectPeerTyping, selectShownName } from '../state/selectors';
import { useStore } from '../state/store';
import { Avatar } from './Avatar';
import { Composer } from './Composer';
import { useConnectAttempt } from './hooks';
import { BackIcon, InfoIcon, LockIcon, LockOpenIcon } from './icons';
import { KeyChangeBanner } from './KeyChangeBanner';
import { RequestBanner } from './RequestBanner';
import { MessageList } from './MessageList';
import { Transfers } from './Transfers';
import { ownNameIfRenamed, Presence, VerifiedBadge, WaitingCount } from './PeerBits';

/** One conversation: header, key-change warning, history, typing indicator and composer. */
export function ConversationView({ peer }: { peer: string }) {
  const exists = useStore((s) => s.conversations[peer] !== undefined);
  const plain = useStore((s) => s.conversations[peer]?.mode === 'plain');
  const titleId = useId();

  if (!exists) return null;

  return (
    <section className="conversation" aria-labelledby={titleId}>
      <ConversationHeader peer={peer} titleId={titleId} />
      <RequestBanner peer={peer} />
      <KeyChangeBanner peer={peer} />
      {plain && (
        <p className="notice notice-warn">
          <LockOpenIcon /> Unencrypted: anyone on the network can read these messages, and who is on the other end is not verified.
        </p>
      )}
      <MessageList peer={peer} />
      <Transfers peer={peer} />
      <TypingIndicator peer={peer} />
      <Composer peer={peer} />
    </section>
  );
}

function ConversationHeader({ peer, titleId }: { peer: string; titleId: string }) {
  const conversation = useStore((s) => s.conversations[peer]);
  const name = useStore((s) => selectShownName(s, peer));
  const openDialog = useStore((s) => s.openDialog);
  const selectConversation = useStore((s) => s.selectConversation);
  const reconnectPeer = useStore((s) => s.reconnect);
  const reconnectPeerNow = useStore((s) => s.reconnectNow);
  const disconnectPeer = useStore((s) => s.disconnect);
  const [busy, setBusy] = useState<null | { kind: 'reconnect' } | { kind: 'disconnect' } | { kind: 'reconnect-now' }>(null);
  const [error, setError] = useState<string | null>(null);
  const attempt = useConnectAttempt();

  if (conversation === undefined) return null;
  const { address, fingerprint, state, mode, lastReason, peerName, nextRetryAt, verified, queued, path } = conversation;
  const ownName = ownNameIfRenamed(conversation);

  async function reconnect() {
    setBusy({ kind: 'reconnect' });
    setError(null);
    const result = await attempt.run((id) => reconnectPeer(peer, id));
    if (result === null) return;
    setBusy(null);
    if (!result.ok && result.error.code !== 'dial-cancelled') setError(result.error.message);
  }

  async function reconnectNow() {
    setBusy({ kind: 'reconnect-now' });
    setError(null);
    await reconnectPeerNow(peer);
    setBusy(null);
  }

  function cancelReconnect() {
    setBusy(null);
    attempt.cancel();
  }

  async function disconnect() {
    setBusy({ kind: 'disconnect' });
    setError(null);
    await disconnectPeer(peer);
    setBusy(null);
  }

  const reconnecting = busy?.kind === 'reconnect';
  const shownState = reconnecting && state === 'offline' ? 'connecting' : state;
  const retrying = state === 'offline' && nextRetryAt !== undefined;

  return (
    <header className="conv-header">
      <button type="button" className="btn icon-btn back-btn" aria-label="Back to conversations" onClick={() => selectConversation(null)}>
        <BackIcon />
      </button>
      <Avatar name={name} colourKey={peer} state={shownState} />
      <div className="conv-title">
        <h2 id={titleId} className="conv-heading" title={name}>
          {name}
        </h2>
        <p className="conv-sub">
          <Presence state={shownState} nextRetryAt={reconnecting ? undefined : nextRetryAt} />
          {ownName !== null && (
            <>
              <span className="sep" aria-hidden="true">
                ·
              </span>
              <span className="peer-name" title="The name they gave themselves">
                calls themselves {ownName}
              </span>
            </>
          )}
          {address !== name && address !== peerName && (
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
          {verified && <VerifiedBadge />}
          {state === 'online' && path !== undefined && (
            <span className="badge" title="How this connection travels">
              {pathLabel(path)}
            </span>
          )}
          <WaitingCount count={queued} />
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
        ) : retrying ? (
          <button type="button" className="btn" onClick={reconnectNow} disabled={busy !== null}>
            Reconnect now
          </button>
        ) : state === 'offline' ? (
          <button type="button" className="btn" onClick={reconnect}>
            Reconnect
          </button>
        ) : (
          <button type="button" className="btn" onClick={disconnect} disabled={busy !== null}>
            Disconnect
          </button>
        )}
        <button
          type="button"
          className="btn icon-btn"
          aria-label="Contact details"
          title="Contact details"
          aria-haspopup="dialog"
          onClick={() => openDialog({ kind: 'contact', peer })}
        >
          <InfoIcon />
        </button>
      </div>
    </header>
  );
}

function TypingIndicator({ peer }: { peer: string }) {
  const typing = useStore((s) => selectPeerTyping(s, peer));
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
