import { useId, useRef, useState, type FormEvent } from 'react';
import { useStore } from '../state/store';
import { Logo } from './icons';
import { nameProblem } from '../lib/validation';

/** First run: choose the name that peers see. */
export function Welcome() {
  const identity = useStore((s) => s.identity);
  const chooseName = useStore((s) => s.chooseName);
  const [name, setName] = useState(identity?.name ?? '');
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const problem = submitted ? nameProblem(name) : null;
  const shownError = problem ?? error;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    if (nameProblem(name) !== null) return inputRef.current?.focus();
    setSaving(true);
    setError(null);
    const result = await chooseName(name.trim());
    setSaving(false);
    if (!result.ok) {
      setError(result.error.message);
      inputRef.current?.focus();
    }
  }

  return (
    <main className="welcome">
      <form className="welcome-card" onSubmit={submit} noValidate>
        <Logo size={56} />
        <h1>Welcome to Peerline</h1>
        <p className="welcome-lead">Chat straight from this computer to another — no server in between, end-to-end encrypted.</p>
        <div className="field">
          <label htmlFor={inputId}>Display name</label>
          <input
            ref={inputRef}
            id={inputId}
            className="input"
            value={name}
            onChange={(event) => {
              setName(event.target.value);
              setError(null);
            }}
            autoFocus
            autoComplete="nickname"
            aria-invalid={shownError !== null}
            aria-describedby={shownError !== null ? `${hintId} ${errorId}` : hintId}
          />
          <p id={hintId} className="hint">
            People you chat with see this name. You can change it later in Settings.
          </p>
          {shownError !== null && (
            <p id={errorId} className="field-error" role="alert">
              {shownError}
            </p>
          )}
        </div>
        <button type="submit" className="btn primary wide" disabled={saving}>
          {saving ? 'Saving…' : 'Continue'}
        </button>
        {identity !== null && (
          <p className="welcome-fingerprint">
            <span className="label">Your fingerprint</span> <span className="mono">{identity.fingerprint}</span>
          </p>
        )}
      </form>
    </main>
  );
}
