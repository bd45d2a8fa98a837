import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type Ref } from 'react';
import type { SearchResult } from '../../shared/ipc/contract';
import { searchSnippet } from '../lib/snippet';
import { formatFullDate, formatListTime } from '../lib/timeline';
import { useStore } from '../state/store';
import { useNow } from './hooks';
import { CloseIcon, SearchIcon } from './icons';
import { ConversationList } from './ConversationList';

/** Typing pauses this long before the backend is asked. */
const SEARCH_DEBOUNCE_MS = 250;

/**
 * The sidebar's list: the search box, and below it either the conversations or, while something is typed, the
 * messages that match across all conversations (newest first). A result opens its conversation at that message.
 */
export function SidebarList() {
  const searchMessages = useStore((s) => s.searchMessages);
  const clearSearch = useStore((s) => s.clearSearch);
  const [text, setText] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  const resultsRef = useRef<HTMLElement>(null);
  const searching = text.trim() !== '';

  useEffect(() => {
    if (text.trim() === '') {
      clearSearch();
      return;
    }
    const timer = setTimeout(() => void searchMessages(text), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [clearSearch, searchMessages, text]);

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Escape' && text !== '') {
      event.preventDefault();
      setText('');
    } else if (event.key === 'ArrowDown') {
      const first = resultsRef.current?.querySelector<HTMLButtonElement>('button.result-item');
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  return (
    <>
      <div className="search">
        <SearchIcon />
        <input
          ref={inputRef}
          type="search"
          className="input search-input"
          aria-label="Search messages"
          placeholder="Search messages"
          value={text}
          maxLength={200}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          autoComplete="off"
          spellCheck={false}
        />
        {text !== '' && (
          <button
            type="button"
            className="btn icon-btn search-clear"
            aria-label="Clear search"
            onClick={() => {
              setText('');
              inputRef.current?.focus();
            }}
          >
            <CloseIcon />
          </button>
        )}
      </div>
      {searching ? <SearchResults ref={resultsRef} typed={text.trim()} /> : <ConversationList />}
    </>
  );
}

function SearchResults({ typed, ref }: { typed: string; ref: Ref<HTMLElement> }) {
  const search = useStore((s) => s.search);
  const statusId = useId();

  function onKeyDown(event: KeyboardEvent<HTMLElement>) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const items = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button.result-item')];
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    if (index === -1) return;
    event.preventDefault();
    items[event.key === 'ArrowDown' ? Math.min(items.length - 1, index + 1) : Math.max(0, index - 1)]?.focus();
  }

  const count = search.results.length;
  const status =
    search.error !== null
      ? search.error
      : search.loading || search.query !== typed
        ? 'Searching…'
        : count === 0
          ? `No messages match “${search.query}”.`
          : `${count} ${count === 1 ? 'message' : 'messages'}${search.more ? ' (the newest)' : ''}`;

  return (
    <section ref={ref} className="search-results" aria-label="Search results" aria-describedby={statusId} onKeyDown={onKeyDown}>
      <p id={statusId} className={`search-status${search.error !== null ? ' field-error' : ''}`} role="status">
        {status}
      </p>
      {count > 0 && (
        <ul className="result-list" role="list">
          {search.results.map((result) => (
            <ResultItem key={`${result.peer}/${result.message.id}`} result={result} query={search.query} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ResultItem({ result, query }: { result: SearchResult; query: string }) {
  const openMessage = useStore((s) => s.openMessage);
  const now = useNow();
  const selected = useStore((s) => s.selectedPeer === result.peer);
  const parts = useMemo(() => searchSnippet(result.message.text, query), [result.message.text, query]);
  const { message } = result;
  return (
    <li>
      <button type="button" className={`result-item${selected ? ' selected' : ''}`} onClick={() => void openMessage(result.peer, message.id)}>
        <span className="conv-line">
          <span className="conv-name">{result.name}</span>
          <time className="conv-time" dateTime={new Date(message.at).toISOString()} title={formatFullDate(message.at)}>
            {formatListTime(message.at, now)}
          </time>
        </span>
        <span className="result-snippet">
          {message.fromMe && <span className="result-from">You: </span>}
          {parts.map((part, index) => (part.match ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>))}
        </span>
      </button>
    </li>
  );
}
