import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { formatAddress, parsePeerAddress } from '../../shared/address';
import { parseDialTarget } from '../../shared/invite-link';
import { DEFAULT_PORT } from '../../shared/protocol/limits';
import { useStore } from '../state/store';
import { useConnectAttempt } from './hooks';
import { FormError } from './FormError';
import { Modal } from './Modal';

type Mode = 'secure' | 'plain';

/**
 * "Connect to a peer": an address, a key or a `peerline:` invite link (secure), or an address (plain), a
 * cancellable pending state, and the backend's answer.
 */
export function ConnectDialog() {
  const connect = useStore((s) => s.connect);
  const dial = useStore((s) => s.dial);
  const closeDialog = useStore((s) => s.closeDialog);
  const titleId = useId();
  const inputId = useId();
  const hintId = useId();
  const fieldErrorId = useId();
  const secureHintId = useId();
  const plainHintId = useId();
  const inputRef = useRef<HTMLInputElement>(null);

  const [address, setAddress] = useState('');
  const [mode, setMode] = useState<Mode>('secure');
  const [touched, setTouched] = useState(false);
  const [pending, setPending] = useState<{ target: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const attempt = useConnectAttempt();

  const parsed = useMemo(() => {
    if (mode === 'plain') {
      const plain = parsePeerAddress(address);
      return plain.ok ? { ok: true as const, shown: formatAddress(plain.host, plain.port) } : plain;
    }
    const target = parseDialTarget(address);
    if (!target.ok) return target;
    const { value } = target;
    return { ok: true as const, shown: value.kind === 'key' ? `${value.invite.name ?? 'the key'} ${value.invite.key.slice(0, 12)}…` : formatAddress(value.host, value.port) };
  }, [address, mode]);
  const fieldError = touched && !parsed.ok ? parsed.error : null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (pending !== null) return;
    setTouched(true);
    if (!parsed.ok) {
      inputRef.current?.focus();
      return;
    }
    setPending({ target: parsed.shown });
    setError(null);
    setNotice(null);
    const plain = parsePeerAddress(address);
    const result = await attempt.run((id) =>
      mode === 'plain' && plain.ok ? connect({ host: plain.host, port: plain.port, mode: 'plain' }, id) : dial(address, id),
    );
    if (result === null) return; // cancelled, or the dialog is gone
    setPending(null);
    if (result.ok) {
      closeDialog();
      // The new conversation is open behind the dialog; its message box is where the person goes next.
      requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>('.composer-input')?.focus());
      return;
    }
    if (result.error.code === 'dial-cancelled') setNotice('Cancelled.');
    else setError(result.error.message);
    inputRef.current?.focus();
  }

  function cancelAttempt() {
    setPending(null);
    if (attempt.cancel()) setNotice('Cancelled.');
    inputRef.current?.focus();
  }

  const describedBy = [hintId, fieldError !== null ? fieldErrorId : null].filter(Boolean).join(' ');

  return (
    <Modal labelledBy={titleId} onCancel={closeDialog} className="connect-dialog">
      <form onSubmit={submit} noValidate>
        <h2 id={titleId} className="modal-title">
          Connect to a peer
        </h2>
        <p className="modal-lead">Type the address the other person sees under “Others can connect to”, or paste their invite link or key.</p>

        <div className="field">
          <label htmlFor={inputId}>Peer address</label>
          <input
            ref={inputRef}
            id={inputId}
            type="text"
            className="input mono"
            value={address}
            onChange={(event) => {
              setAddress(event.target.value);
              setError(null);
              setNotice(null);
            }}
            onBlur={() => {
              if (address.trim() !== '') setTouched(true);
            }}
            readOnly={pending !== null}
            autoFocus
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            inputMode="url"
            placeholder={`192.168.1.20:${DEFAULT_PORT}`}
            aria-invalid={fieldError !== null}
            aria-describedby={describedBy}
          />
          <p id={hintId} className="hint">
            <span className="mono">host:port</span>, <span className="mono">[IPv6]:port</span>, just a host (port {DEFAULT_PORT}), a key, or a{' '}
            <span className="mono">peerline:</span> link.
          </p>
          {fieldError !== null && (
            <p id={fieldErrorId} className="field-error">
              {fieldError}
            </p>
          )}
        </div>

        <fieldset className="field choice" disabled={pending !== null}>
          <legend>Connection</legend>
          <label className="choice-option">
            <input type="radio" name="mode" value="secure" checked={mode === 'secure'} onChange={() => setMode('secure')} aria-describedby={secureHintId} />
            <span className="choice-text">
              <span className="choice-label">Secure</span>
              <span id={secureHintId} className="hint">
                Encrypted and verified. The other side runs Peerline.
              </span>
            </span>
          </label>
          <label className="choice-option">
            <input type="radio" name="mode" value="plain" checked={mode === 'plain'} onChange={() => setMode('plain')} aria-describedby={plainHintId} />
            <span className="choice-text">
              <span className="choice-label">Plain text</span>
              <span id={plainHintId} className="hint">
                Unencrypted, for netcat and simple socket programs. Anyone on the network can read it.
              </span>
            </span>
          </label>
        </fieldset>

        <div className="form-status" role="status">
          {pending !== null && (
            <span className="pending">
              <span className="spinner" aria-hidden="true" />
              <span>
                Connecting to <span className="mono">{pending.target}</span>…
              </span>
            </span>
          )}
          {pending === null && notice}
        </div>
        <FormError error={error} />

        <div className="modal-actions">
          <button type="button" className="btn" onClick={pending !== null ? cancelAttempt : closeDialog}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={pending !== null}>
            {pending !== null ? 'Connecting…' : 'Connect'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
