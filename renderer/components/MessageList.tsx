import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { buildTimeline, formatDay, formatFullDate, formatTime } from '../lib/timeline';
import { EMPTY_PEER_MESSAGES } from '../state/reducers';
import { useStore } from '../state/store';
import type { ChatMessage } from '../state/types';
import { useActions } from './context';
import { useNow } from './hooks';
import { ArrowDownIcon, ChatIcon } from './icons';
import { MessageText } from './MessageText';

/** Within this many pixels of the bottom counts as "at the bottom": new messages keep it there. */
const STICK_PX = 80;
/** Closer than this to the top loads the previous page. */
const LOAD_EARLIER_PX = 160;

/**
 * The history of one conversation: a `log` (announced politely), day separators, own messages on the right.
 * It stays at the bottom as messages arrive unless the person scrolled up, keeps its place when older pages are
 * prepended, and loads earlier pages near the top or from the "Load earlier messages" button.
 */
export function MessageList({ peer }: { peer: string }) {
  const actions = useActions();
  const history = useStore((s) => s.messages[peer]) ?? EMPTY_PEER_MESSAGES;
  const name = useStore((s) => s.conversations[peer]?.name ?? '');
  const now = useNow();
  const items = history.items;
  const timeline = useMemo(() => buildTimeline(items), [items]);

  const scrollerRef = useRef<HTMLDivElement>(null);
  const atBottomRef = useRef(true);
  const previousRef = useRef<{ first: string | undefined; last: string | undefined; scrollHeight: number }>({
    first: undefined,
    last: undefined,
    scrollHeight: 0,
  });
  const [unseen, setUnseen] = useState(false);

  const scrollToBottom = useCallback(() => {
    const scroller = scrollerRef.current;
    if (scroller === null) return;
    scroller.scrollTop = scroller.scrollHeight;
    atBottomRef.current = true;
    setUnseen(false);
  }, []);

  useLayoutEffect(() => {
    const scroller = scrollerRef.current;
    if (scroller === null) return;
    const previous = previousRef.current;
    const first = items[0]?.id;
    const lastItem = items.at(-1);
    const last = lastItem?.id;
    if (previous.last === undefined) {
      scroller.scrollTop = scroller.scrollHeight; // first paint of this history
    } else if (first !== previous.first && last === previous.last) {
      scroller.scrollTop += scroller.scrollHeight - previous.scrollHeight; // older page prepended: stay put
    } else if (last !== previous.last) {
      if (atBottomRef.current || lastItem?.fromMe === true) scrollToBottom();
      else setUnseen(true);
    }
    previousRef.current = { first, last, scrollHeight: scroller.scrollHeight };
  }, [items, scrollToBottom]);

  // The composer growing, a notice appearing or the window resizing must not push the newest message away.
  useEffect(() => {
    const scroller = scrollerRef.current;
    if (scroller === null) return;
    const observer = new ResizeObserver(() => {
      if (atBottomRef.current) scroller.scrollTop = scroller.scrollHeight;
    });
    observer.observe(scroller);
    return () => observer.disconnect();
  }, []);

  function onScroll() {
    const scroller = scrollerRef.current;
    if (scroller === null) return;
    atBottomRef.current = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICK_PX;
    if (atBottomRef.current) setUnseen(false);
    if (scroller.scrollTop < LOAD_EARLIER_PX && history.hasMore && !history.loading) void actions.loadEarlier(peer);
  }

  const empty = items.length === 0 && !history.loading && history.error === null;

  return (
    <div className="messages-wrap">
      <div ref={scrollerRef} className="messages-scroller" onScroll={onScroll}>
        {history.hasMore && (
          <div className="load-earlier">
            <button type="button" className="btn small" onClick={() => void actions.loadEarlier(peer)} disabled={history.loading}>
              {history.loading ? 'Loading…' : 'Load earlier messages'}
            </button>
          </div>
        )}
        {history.error !== null && (
          <div className="history-error" role="alert">
            <p>{history.error}</p>
            <button type="button" className="btn small" onClick={() => void actions.loadNewest(peer)}>
              Try again
            </button>
          </div>
        )}
        {empty && (
          <div className="messages-empty">
            <ChatIcon size={40} />
            <p className="empty-title">No messages yet</p>
            <p className="hint">Say hello to {name}.</p>
          </div>
        )}
        <div className="messages" role="log" aria-live="polite" aria-label={`Messages with ${name}`} aria-busy={history.loading}>
          {timeline.map((item) =>
            item.kind === 'day' ? (
              <div key={item.key} className="day-separator" role="separator" aria-label={formatDay(item.at, now)}>
                <span aria-hidden="true">{formatDay(item.at, now)}</span>
              </div>
            ) : (
              <MessageRow key={item.key} message={item.message} startsGroup={item.startsGroup} peerName={name} />
            ),
          )}
        </div>
      </div>
      {unseen && (
        <button type="button" className="btn jump-latest" onClick={scrollToBottom}>
          <ArrowDownIcon /> New messages
        </button>
      )}
    </div>
  );
}

const MessageRow = memo(function MessageRow({ message, startsGroup, peerName }: { message: ChatMessage; startsGroup: boolean; peerName: string }) {
  const actions = useActions();
  const status = message.status;
  const localFailure = message.pending === true && status === 'failed';
  return (
    <div className={`msg ${message.fromMe ? 'mine' : 'theirs'}${startsGroup ? ' group-start' : ''}${status !== undefined ? ` status-${status}` : ''}`}>
      <div className="bubble">
        <span className="sr-only">{message.fromMe ? 'You' : peerName}: </span>
        <MessageText text={message.text} />
        <span className="msg-meta">
          <time dateTime={new Date(message.at).toISOString()} title={formatFullDate(message.at)}>
            {formatTime(message.at)}
          </time>
          {message.fromMe && status !== undefined && <span className="msg-status">{status}</span>}
        </span>
      </div>
      {localFailure && (
        <div className="msg-failure">
          <span>{message.error ?? 'Not sent.'}</span>
          <button type="button" className="btn link-btn" onClick={() => void actions.retryMessage(message.peer, message.id)}>
            Retry
          </button>
          <button type="button" className="btn link-btn" onClick={() => actions.discardMessage(message.peer, message.id)}>
            Discard
          </button>
        </div>
      )}
    </div>
  );
});
