import { memo, useId, type KeyboardEvent } from 'react';
import { formatListTime } from '../lib/timeline';
import { previewText, unreadBadge } from '../lib/format';
import { selectShownName, selectSortedConversations } from '../state/selectors';
import { useStore } from '../state/store';
import { Avatar } from './Avatar';
import { useNow } from './hooks';
import { KeyChangedBadge, RequestBadge, ownNameIfRenamed, Presence, VerifiedBadge, WaitingCount } from './PeerBits';

/** The conversations, latest activity first. Arrow keys move between them; Enter or Space opens one. */
export function ConversationList() {
  const sorted = useStore(selectSortedConversations);

  function onKeyDown(event: KeyboardEvent<HTMLElement>) {
    const keys = ['ArrowDown', 'ArrowUp', 'Home', 'End'];
    if (!keys.includes(event.key)) return;
    const items = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button.conv-item')];
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    if (index === -1) return;
    event.preventDefault();
    const next =
      event.key === 'Home' ? 0 : event.key === 'End' ? items.length - 1 : event.key === 'ArrowDown' ? Math.min(items.length - 1, index + 1) : Math.max(0, index - 1);
    items[next]?.focus();
  }

  return (
    <nav className="conversations" aria-label="Conversations" onKeyDown={onKeyDown}>
      {sorted.length === 0 ? (
        <div className="conversations-empty">
          <p className="empty-title">No conversations yet</p>
          <p className="hint">People you connect to, and people who connect to you, show up here.</p>
        </div>
      ) : (
        <ul className="conv-list" role="list">
          {sorted.map((conversation) => (
            <ConversationItem key={conversation.peer} peer={conversation.peer} />
          ))}
        </ul>
      )}
    </nav>
  );
}

const ConversationItem = memo(function ConversationItem({ peer }: { peer: string }) {
  const conversation = useStore((s) => s.conversations[peer]);
  const selected = useStore((s) => s.selectedPeer === peer);
  const selectConversation = useStore((s) => s.selectConversation);
  const name = useStore((s) => selectShownName(s, peer));
  const now = useNow();
  const nameId = useId();
  if (conversation === undefined) return null;

  const { state, unread, lastMessage, typing, mode, verified, keyChange, queued, nextRetryAt } = conversation;
  const ownName = ownNameIfRenamed(conversation);
  const preview = typing ? 'typing…' : lastMessage !== undefined ? `${lastMessage.fromMe ? 'You: ' : ''}${previewText(lastMessage.text)}` : 'No messages yet';

  return (
    <li className="conv-li" aria-labelledby={nameId}>
      <button
        type="button"
        className={`conv-item${selected ? ' selected' : ''}${unread > 0 ? ' has-unread' : ''}`}
        aria-current={selected ? 'true' : undefined}
        onClick={() => selectConversation(peer)}
      >
        <Avatar name={name} colourKey={peer} state={state} />
        <span className="conv-body">
          <span className="conv-line">
            <span className="conv-names">
              <span id={nameId} className="conv-name">
                {name}
              </span>
              {ownName !== null && <span className="conv-peer-name">{ownName}</span>}
            </span>
            {lastMessage !== undefined && (
              <time className="conv-time" dateTime={new Date(lastMessage.at).toISOString()}>
                {formatListTime(lastMessage.at, now)}
              </time>
            )}
          </span>
          <span className="conv-details">
            <span className="conv-line">
              <span className={`conv-preview${typing ? ' typing' : ''}`}>{preview}</span>
              {unread > 0 && (
                <span className="unread-badge">
                  {unreadBadge(unread)}
                  <span className="sr-only"> unread</span>
                </span>
              )}
            </span>
            <span className="conv-tags">
              <Presence state={state} nextRetryAt={nextRetryAt} />
              {mode === 'plain' && <span className="badge badge-warn">unencrypted</span>}
              {verified && <VerifiedBadge />}
              {keyChange !== undefined && <KeyChangedBadge />}
              {conversation.request !== undefined && <RequestBadge />}
              <WaitingCount count={queued} />
            </span>
          </span>
        </span>
      </button>
    </li>
  );
});
