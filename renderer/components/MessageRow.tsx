import { memo, useCallback, useEffect, useRef, useState } from 'react';
import type { MessageStatus } from '../../shared/ipc/contract';
import { formatFullDate, formatTime } from '../lib/timeline';
import { isLocal, type ShownMessage } from '../state/types';
import { useStore } from '../state/store';
import { ClockIcon } from './icons';
import { MessageText } from './MessageText';

/** The sender's clock and ours further apart than this: the tooltip shows both times. */
const CLOCKS_APART_MS = 60_000;

/** What a message of ours shows: the contract's status, or "sending" while `message:send` has not answered. */
type ShownStatus = MessageStatus | 'sending';

/**
 * One message: a bubble (ours on the right, with its status), or a notice centred across the conversation.
 * A failed one of ours says why, with Retry and Cancel; one waiting for the peer can be withdrawn.
 */
export const MessageRow = memo(function MessageRow({
  message,
  startsGroup,
  peerName,
  peerOnline,
  highlighted,
}: {
  message: ShownMessage;
  startsGroup: boolean;
  peerName: string;
  peerOnline: boolean;
  highlighted: boolean;
}) {
  const ref = useRef<HTMLElement | null>(null);
  const setRef = useCallback((element: HTMLElement | null) => {
    ref.current = element;
  }, []);
  // A search result the view jumped to takes focus, so that a screen reader reads it; it stays focusable after the
  // highlight fades, until focus moves on (taking tabIndex away from the focused element would drop focus).
  const [focusHeld, setFocusHeld] = useState(false);
  useEffect(() => {
    if (!highlighted) return;
    setFocusHeld(true);
    ref.current?.focus({ preventScroll: true });
  }, [highlighted]);
  const focusable = highlighted || focusHeld;
  const onBlur = focusHeld ? () => setFocusHeld(false) : undefined;

  if (message.kind === 'notice') {
    return (
      <div ref={setRef} className={`msg-notice${highlighted ? ' highlight' : ''}`} role="note" tabIndex={focusable ? -1 : undefined} onBlur={onBlur}>
        <MessageText text={message.text} />
        <time dateTime={new Date(message.at).toISOString()} title={formatFullDate(message.at)}>
          {formatTime(message.at)}
        </time>
      </div>
    );
  }

  const local = isLocal(message);
  const status: ShownStatus | undefined = local ? (message.error !== undefined ? 'failed' : 'sending') : message.status;
  const failure = local ? message.error : message.failure;
  const classes = ['msg', message.fromMe ? 'mine' : 'theirs'];
  if (startsGroup) classes.push('group-start');
  if (status !== undefined) classes.push(`status-${status}`);
  if (highlighted) classes.push('highlight');

  return (
    <article ref={setRef} className={classes.join(' ')} tabIndex={focusable ? -1 : undefined} onBlur={onBlur}>
      <div className="bubble">
        <span className="sr-only">{message.fromMe ? 'You' : peerName}: </span>
        <MessageText text={message.text} />
        <span className="msg-meta">
          {!isLocal(message) && message.unapprovedKey === true && (
            <span className="badge badge-warn" title={`Sent by ${peerName}'s new key before you approved it: it may not be ${peerName}.`}>
              New key, not approved
            </span>
          )}
          <time dateTime={new Date(message.at).toISOString()} title={timeTitle(message)}>
            {formatTime(message.at)}
          </time>
          {message.fromMe && status !== undefined && <StatusLabel status={status} peerName={peerName} peerOnline={peerOnline} />}
          {status === 'queued' && !local && <WithdrawButton peer={message.peer} id={message.id} />}
        </span>
      </div>
      {status === 'failed' && <FailureActions message={message} reason={failure} />}
    </article>
  );
});

function timeTitle(message: ShownMessage): string {
  if (isLocal(message) || message.fromMe || Math.abs(message.at - message.sentAt) < CLOCKS_APART_MS) return formatFullDate(message.at);
  return `Written ${formatFullDate(message.sentAt)} (their clock), received ${formatFullDate(message.at)}`;
}

const STATUS_TITLES: Record<ShownStatus, (name: string, online: boolean) => string> = {
  sending: () => 'Sending…',
  queued: (name, online) => (online ? 'Waiting to be sent' : `Waiting for ${name} to come online`),
  sent: (name) => `Sent: on its way to ${name}`,
  delivered: (name) => `Delivered: stored on ${name}’s computer`,
  read: (name) => `Read by ${name}`,
  failed: () => 'Not sent',
};

/** The status word (tests and people read it as is), with a tooltip that says what it means. */
function StatusLabel({ status, peerName, peerOnline }: { status: ShownStatus; peerName: string; peerOnline: boolean }) {
  const title = STATUS_TITLES[status](peerName, peerOnline);
  return (
    <span className="msg-status" title={title}>
      {status === 'queued' && <ClockIcon />}
      <span>{status}</span>
      {status === 'queued' && <span className="sr-only">: {title}</span>}
    </span>
  );
}

function FailureActions({ message, reason }: { message: ShownMessage; reason: string | undefined }) {
  const retryMessage = useStore((s) => s.retryMessage);
  const cancelMessage = useStore((s) => s.cancelMessage);
  return (
    <div className="msg-failure">
      <span>{reason ?? 'Not sent.'}</span>
      <button
        type="button"
        className="btn link-btn"
        onClick={() => void retryMessage(message.peer, message.id)}
      >
        Retry
      </button>
      <button
        type="button"
        className="btn link-btn"
        onClick={() => void cancelMessage(message.peer, message.id)}
      >
        Cancel
      </button>
    </div>
  );
}

/** A message still waiting for the peer can be taken back before it goes (`message:cancel`). */
function WithdrawButton({ peer, id }: { peer: string; id: string }) {
  const cancelMessage = useStore((s) => s.cancelMessage);
  return (
    <button type="button" className="btn link-btn msg-withdraw" onClick={() => void cancelMessage(peer, id)}>
      Withdraw
    </button>
  );
}
