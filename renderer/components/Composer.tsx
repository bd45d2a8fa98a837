import { useEffect, useId, useMemo, useRef, type FormEvent, type KeyboardEvent } from 'react';
import { utf8ByteLength } from '../../shared/bytes';
import { MESSAGE_TOO_LONG } from '../../shared/validation';
import { MAX_TEXT_BYTES } from '../../shared/protocol/limits';
import { createTypingNotifier } from '../state/typing';
import { selectTypingReachesPeer } from '../state/selectors';
import { useStore } from '../state/store';
import { PaperclipIcon, SendIcon } from './icons';

/** The counter appears once a message gets this close to the limit. */
const COUNTER_FROM = MAX_TEXT_BYTES * 0.9;

/** The message box: Enter sends, Shift+Enter starts a new line. The draft survives switching conversations. */
export function Composer({ peer }: { peer: string }) {
  const sendMessage = useStore((s) => s.sendMessage);
  const setTyping = useStore((s) => s.setTyping);
  const draft = useStore((s) => s.drafts[peer] ?? '');
  const setDraft = useStore((s) => s.setDraft);
  const name = useStore((s) => s.conversations[peer]?.name ?? '');
  const canType = useStore((s) => selectTypingReachesPeer(s, peer));
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const fileInputRef = useRef<HTMLInputElement>(null);
  const picksFiles = useStore((s) => s.picksFiles);
  const chooseFiles = useStore((s) => s.chooseFiles);
  const sendFiles = useStore((s) => s.sendFiles);
  const secure = useStore((s) => s.conversations[peer]?.mode === 'secure');
  const errorId = useId();
  const counterId = useId();

  const canTypeRef = useRef(canType);
  canTypeRef.current = canType;
  const typing = useMemo(
    () =>
      createTypingNotifier({
        send: (active) => {
          if (canTypeRef.current || !active) setTyping(peer, active);
        },
      }),
    [setTyping, peer],
  );
  useEffect(() => () => typing.stop(), [typing]);

  // Opening a conversation puts the cursor in its message box.
  useEffect(() => {
    textareaRef.current?.focus();
  }, [peer]);

  const bytes = useMemo(() => (draft.length * 3 < COUNTER_FROM ? draft.length : utf8ByteLength(draft)), [draft]);
  const tooLong = bytes > MAX_TEXT_BYTES;
  const canSend = draft.trim() !== '' && !tooLong;

  function send() {
    if (!canSend) return;
    const text = draft;
    setDraft(peer, '');
    typing.stop();
    void sendMessage(peer, text);
    textareaRef.current?.focus();
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    send();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key !== 'Enter' || event.shiftKey || event.altKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    send();
  }

  const describedBy = [tooLong ? errorId : null, bytes >= COUNTER_FROM ? counterId : null].filter(Boolean).join(' ') || undefined;

  function attach() {
    if (picksFiles) fileInputRef.current?.click();
    else void chooseFiles(peer);
  }

  /** Files dropped on the composer or pasted into it go to the contact like attached ones. */
  function takeFiles(files: FileList | null | undefined): boolean {
    if (!secure || !files || files.length === 0) return false;
    void sendFiles(peer, [...files]);
    return true;
  }

  return (
    <form
      className={`composer${secure ? ' with-attach' : ''}`}
      onSubmit={onSubmit}
      onDragOver={(event) => {
        if (secure && event.dataTransfer.types.includes('Files')) event.preventDefault();
      }}
      onDrop={(event) => {
        if (takeFiles(event.dataTransfer.files)) event.preventDefault();
      }}
      onPaste={(event) => {
        if (takeFiles(event.clipboardData.files)) event.preventDefault();
      }}
    >
      {secure && (
        <>
          <button type="button" className="btn icon-btn attach-btn" aria-label="Attach files" title="Attach files" onClick={attach}>
            <PaperclipIcon />
          </button>
          {picksFiles && (
            <input
              ref={fileInputRef}
              type="file"
              multiple
              hidden
              aria-label="Files to send"
              onChange={(event) => {
                takeFiles(event.target.files);
                event.target.value = '';
              }}
            />
          )}
        </>
      )}
      <div className="composer-box">
        <textarea
          ref={textareaRef}
          className="composer-input"
          aria-label="Message"
          placeholder={`Message ${name}`}
          value={draft}
          rows={1}
          onChange={(event) => {
            setDraft(peer, event.target.value);
            typing.input(event.target.value);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => {
            if (draft.trim() === '') typing.stop();
          }}
          aria-invalid={tooLong}
          aria-describedby={describedBy}
          spellCheck
        />
        {bytes >= COUNTER_FROM && (
          <span id={counterId} className={`composer-counter${tooLong ? ' over' : ''}`}>
            {Math.ceil(bytes / 1024)} / {MAX_TEXT_BYTES / 1024} KiB
          </span>
        )}
      </div>
      <button type="submit" className="btn primary send-btn" disabled={!canSend}>
        <SendIcon />
        <span>Send</span>
      </button>
      {tooLong && (
        <p id={errorId} className="composer-error" role="alert">
          {MESSAGE_TOO_LONG}
        </p>
      )}
    </form>
  );
}
