import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { buildTimeline, formatDay } from '../lib/timeline';
import { prunedSizeCache } from '../lib/timeline';
import { EMPTY_PEER_MESSAGES } from '../state/history';
import { getAppStore, useStore } from '../state/store';
import { selectShownMessages, selectUnreadToMark } from '../state/selectors';
import { isLocal } from '../state/types';
import { useNow, usePageVisible } from './hooks';
import { ArrowDownIcon, ChatIcon } from './icons';
import { MessageRow } from './MessageRow';

/** Within this many pixels of the end counts as "at the newest": new messages keep the view there. */
const STICK_PX = 80;
/** Within this many pixels of an end of the loaded window, the next page is fetched. */
const EDGE_PX = 1_200;
/** After a jump, pages wait this long, so that they load from where the view landed. */
const SETTLE_MS = 300;
/** How long a message the view jumped to stays highlighted. */
const HIGHLIGHT_MS = 2_500;

/**
 * The history of one conversation, virtualized: only the rows on screen (and a few around them) are in the
 * document, over a window of at most `HISTORY_CAP` messages that pages back and forward as the person scrolls.
 * It opens at the newest message, follows new ones while the view is at the newest, keeps the row being read in
 * place when pages come and go above it, and jumps to a message (a search result) and highlights it. Seeing the
 * newest messages marks the conversation read.
 */
export function MessageList({ peer }: { peer: string }) {
  const loadNewest = useStore((s) => s.loadNewest);
  const loadPageNearEdge = useStore((s) => s.loadPageNearEdge);
  const retryFailedPage = useStore((s) => s.retryFailedPage);
  const markReadIfSeen = useStore((s) => s.markReadIfSeen);
  const history = useStore((s) => s.messages[peer]) ?? EMPTY_PEER_MESSAGES;
  const shown = useStore((s) => selectShownMessages(s, peer));
  const name = useStore((s) => s.conversations[peer]?.name ?? '');
  const peerOnline = useStore((s) => s.conversations[peer]?.state === 'online');
  const now = useNow();
  const { hasMore, hasNewer, loading, error, jump } = history;

  const rows = useMemo(() => {
    const timeline = buildTimeline(shown);
    // Whether the window's first message begins its day is known only once the page before it is in. Without
    // the guess, the rows already shown keep their keys when that page comes, so the row being read stays put.
    return hasMore && timeline[0]?.kind === 'day' ? timeline.slice(1) : timeline;
  }, [shown, hasMore]);

  const scrollerRef = useRef<HTMLDivElement>(null);
  // Appends are followed only when the window was at the newest before them: a page of newer messages that
  // arrives while paging forward must not throw the view to its end.
  const followRef = useRef(!hasNewer);
  const getItemKey = useCallback((index: number) => rows[index]?.key ?? index, [rows]);
  const estimateSize = useCallback((index: number) => (rows[index]?.kind === 'day' ? 44 : 52), [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollerRef.current,
    estimateSize,
    getItemKey,
    anchorTo: 'end',
    followOnAppend: followRef.current && !hasNewer,
    scrollEndThreshold: STICK_PX,
    overscan: 8,
    paddingStart: 12,
    paddingEnd: 8,
  });
  useLayoutEffect(() => {
    followRef.current = !hasNewer;
  }, [hasNewer]);
  // Sizes are measured by row key; rows paged out of the window are not needed again soon.
  useEffect(() => {
    prunedSizeCache(virtualizer.itemSizeCache, rows);
  }, [rows, virtualizer]);

  // A jump to a message (a search result) leaves the view away from the newest until the person scrolls there:
  // until then nothing counts as read. Kept in a ref too, so that effects of the same commit see it at once.
  const jumpingAway = history.jump?.to === 'message';
  const awayRef = useRef(jumpingAway);
  const [atEnd, setAtEnd] = useState(!jumpingAway);
  const [unseen, setUnseen] = useState(false);
  const [highlight, setHighlight] = useState<string | null>(null);
  const settleUntil = useRef(0);

  const distanceFromEnd = () => {
    const scroller = scrollerRef.current;
    return scroller === null ? 0 : scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
  };

  /** Tells the store which ends of the window the view is near, once it has settled; the store decides on a page. */
  const maybePage = useCallback(() => {
    const scroller = scrollerRef.current;
    if (scroller === null || performance.now() < settleUntil.current) return;
    const fromEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
    void loadPageNearEdge(peer, { oldest: scroller.scrollTop < EDGE_PX, newest: fromEnd < EDGE_PX });
  }, [loadPageNearEdge, peer]);

  const settle = useCallback(() => {
    settleUntil.current = performance.now() + SETTLE_MS;
    const timer = setTimeout(maybePage, SETTLE_MS + 20);
    return () => clearTimeout(timer);
  }, [maybePage]);

  // Opening: at the newest (a jump, if one is waiting, is handled below).
  useLayoutEffect(() => {
    if ((getAppStore().getState().messages[peer]?.jump ?? null) === null) virtualizer.scrollToEnd();
    return settle();
  }, []); // once, when the conversation opens

  // A window replaced by a jump: to the newest end, or to the message asked for (highlighted for a moment).
  const handledJump = useRef<number | null>(null);
  useLayoutEffect(() => {
    if (jump === null || jump.seq === handledJump.current) return;
    handledJump.current = jump.seq;
    if (jump.to === 'newest') {
      awayRef.current = false;
      virtualizer.scrollToEnd();
      setUnseen(false);
    } else {
      const index = rows.findIndex((row) => row.kind === 'message' && row.message.id === jump.id);
      if (index !== -1) {
        awayRef.current = true;
        pinned.current = false;
        setAtEnd(false);
        virtualizer.scrollToIndex(index, { align: 'center' });
        setHighlight(jump.id);
      }
    }
    return settle();
  }, [jump, rows, settle, virtualizer]);

  useEffect(() => {
    if (highlight === null) return;
    const timer = setTimeout(() => setHighlight(null), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [highlight]);

  // A new last row: ours just written brings the view to it; someone else's, while reading further up, is "unseen".
  // Only a message that came to a window already at the newest is new: a page forward reaching the newest, or a
  // jump that replaced the window, brings rows that were there all along.
  const lastRow = rows.at(-1);
  const lastKey = lastRow?.key;
  const jumpSeq = jump?.seq ?? null;
  const previousLast = useRef({ key: lastKey, hasNewer, jumpSeq });
  useLayoutEffect(() => {
    const before = previousLast.current;
    previousLast.current = { key: lastKey, hasNewer, jumpSeq };
    if (lastKey === before.key) return;
    if (lastRow?.kind !== 'message' || hasNewer) return;
    if (isLocal(lastRow.message)) virtualizer.scrollToEnd();
    else if (!before.hasNewer && before.jumpSeq === jumpSeq && before.key !== undefined && distanceFromEnd() > STICK_PX) setUnseen(true);
  }, [hasNewer, jumpSeq, lastKey, lastRow, virtualizer]);

  // What is unread counts as read once the person sees the newest messages (see `markReadIfSeen`): asked again
  // whenever the page, the view or what there is to mark changes.
  const unreadToMark = useStore((s) => selectUnreadToMark(s, peer));
  const visible = usePageVisible();
  useEffect(() => {
    void markReadIfSeen(peer, { pageVisible: visible, atNewest: atEnd && !awayRef.current });
  }, [atEnd, markReadIfSeen, peer, unreadToMark, visible]);

  // After every change of the window (a page, a trim), the rows on screen may be near an end again.
  useEffect(() => {
    maybePage();
  }, [rows, loading, maybePage]);

  // The view shrinking (a line in the header, the composer growing, the window resized) must not push the
  // newest message out of sight when the view was at the newest.
  const pinned = useRef(true);
  useEffect(() => {
    const scroller = scrollerRef.current;
    if (scroller === null) return;
    const observer = new ResizeObserver(() => {
      if (pinned.current && !getAppStore().getState().messages[peer]?.hasNewer) scroller.scrollTop = scroller.scrollHeight;
    });
    observer.observe(scroller);
    return () => observer.disconnect();
  }, [peer]);

  function onScroll() {
    const end = distanceFromEnd() <= STICK_PX;
    pinned.current = end;
    if (end) awayRef.current = false;
    setAtEnd(end);
    if (end) setUnseen(false);
    maybePage();
  }

  function jumpToNewest() {
    if (hasNewer) void loadNewest(peer);
    else virtualizer.scrollToEnd();
    setUnseen(false);
    document.querySelector<HTMLTextAreaElement>('.composer-input')?.focus();
  }

  const empty = rows.length === 0 && loading === null && error === null;
  const virtualItems = virtualizer.getVirtualItems();
  // The day of the row at the top of the view, floating there (the separators scroll away with their day).
  const topRow = rows[virtualizer.getVirtualItemForOffset(virtualizer.scrollOffset ?? 0)?.index ?? -1];
  const topDay = topRow?.kind === 'message' ? formatDay(topRow.message.at, now) : null;

  return (
    <div className="messages-wrap">
      <div ref={scrollerRef} className="messages-scroller" onScroll={onScroll}>
        <div
          className="messages"
          role="log"
          // Rows come and go as the view scrolls: arrivals are announced by the Announcer, not by the log itself.
          aria-live="off"
          aria-label={`Messages with ${name}`}
          // Focusable, so the history scrolls with the keyboard (arrows, Page Up/Down).
          tabIndex={0}
          aria-busy={loading !== null}
          style={{ height: virtualizer.getTotalSize() }}
        >
          {virtualItems.map((item) => {
            const row = rows[item.index];
            if (row === undefined) return null;
            return (
              <div key={item.key} ref={virtualizer.measureElement} data-index={item.index} className="row" style={{ transform: `translateY(${item.start}px)` }}>
                {row.kind === 'day' ? (
                  <div className="day-separator" role="separator" aria-label={formatDay(row.at, now)}>
                    <span aria-hidden="true">{formatDay(row.at, now)}</span>
                  </div>
                ) : (
                  <MessageRow
                    message={row.message}
                    startsGroup={row.startsGroup}
                    peerName={name}
                    peerOnline={peerOnline}
                    highlighted={highlight === row.message.id}
                  />
                )}
              </div>
            );
          })}
        </div>
      </div>

      {topDay !== null && loading !== 'older' && error === null && (
        // Drawn from an attribute: decoration for the eye, not a second copy of the text for a screen reader.
        <div className="day-float" data-day={topDay} aria-hidden="true" />
      )}
      {loading === 'older' && (
        <p className="history-loading history-loading-top" role="status">
          <span className="spinner" aria-hidden="true" /> Loading earlier messages…
        </p>
      )}
      {loading === 'newer' && (
        <p className="history-loading history-loading-bottom" role="status">
          <span className="spinner" aria-hidden="true" /> Loading newer messages…
        </p>
      )}
      {(loading === 'newest' || loading === 'around') && rows.length === 0 && (
        <p className="history-loading history-loading-top" role="status">
          <span className="spinner" aria-hidden="true" /> Loading messages…
        </p>
      )}
      {error !== null && (
        <div className={`history-error${error.kind === 'newer' ? ' history-error-bottom' : ''}`} role="alert">
          <p>{error.message}</p>
          <button
            type="button"
            className="btn small"
            onClick={() => void retryFailedPage(peer)}
          >
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
      {(hasNewer || !atEnd) && !empty && (
        <button type="button" className={`btn jump-latest${unseen ? ' has-unseen' : ''}`} onClick={jumpToNewest}>
          <ArrowDownIcon /> Jump to newest
          {unseen && <span className="sr-only">, new messages</span>}
        </button>
      )}
    </div>
  );
}
