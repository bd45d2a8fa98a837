import { useId, useState, type FormEvent } from 'react';
import { nameProblem } from '../lib/validation';
import { safetyNumberGroups } from '../lib/format';
import { formatFullDate } from '../lib/timeline';
import { useStore } from '../state/store';
import { Avatar } from './Avatar';
import { CopyButton } from './CopyButton';
import { Modal } from './Modal';
import { ownNameIfRenamed, Presence, VerifiedBadge, WaitingCount } from './PeerBits';
import { FormError } from './FormError';

/** The auto-accept size is typed in MB (10⁶ bytes, as file managers show sizes). */
const MEGABYTE = 1_000_000;

/**
 * "Contact details": who this is (name, the name they give themselves, address, fingerprint), the safety number
 * to compare with theirs and the verified mark, a local name, and removing the contact.
 */
export function ContactDialog({ peer }: { peer: string }) {
  const conversation = useStore((s) => s.conversations[peer]);
  const myFingerprint = useStore((s) => s.identity?.fingerprint);
  const closeDialog = useStore((s) => s.closeDialog);
  const openDialog = useStore((s) => s.openDialog);
  const titleId = useId();
  if (conversation === undefined) return null;
  const ownName = ownNameIfRenamed(conversation);
  const { name, address, fingerprint, mode, state, nextRetryAt, queued, keyChange } = conversation;

  return (
    <Modal labelledBy={titleId} onCancel={closeDialog} className="contact-dialog">
      <h2 id={titleId} className="modal-title">
        Contact details
      </h2>

      <div className="contact-who">
        <Avatar name={name} colourKey={peer} state={state} size="lg" />
        <div className="contact-who-text">
          <p className="contact-name">{name}</p>
          {ownName !== null && <p className="hint">Calls themselves {ownName}</p>}
          <p className="contact-sub">
            <Presence state={state} nextRetryAt={nextRetryAt} />
            <WaitingCount count={queued} />
          </p>
        </div>
      </div>

      <dl className="contact-facts">
        <div>
          <dt>Address</dt>
          <dd className="mono">{address}</dd>
        </div>
        {fingerprint !== undefined && (
          <div>
            <dt>Their fingerprint</dt>
            <dd className="mono">{fingerprint}</dd>
          </div>
        )}
        {myFingerprint !== undefined && mode === 'secure' && (
          <div>
            <dt>Your fingerprint</dt>
            <dd className="mono">{myFingerprint}</dd>
          </div>
        )}
      </dl>

      {mode === 'plain' ? (
        <p className="notice notice-warn contact-plain">
          A plain-text peer: nothing is encrypted and nobody can be verified. Anyone on the network can read and change these messages.
        </p>
      ) : (
        <SafetyNumber peer={peer} />
      )}

      {keyChange !== undefined && (
        <p className="form-error">
          The key changed {formatFullDate(keyChange.at)}: it was {keyChange.previousFingerprint}, it is {keyChange.fingerprint}.
          {keyChange.needsApproval && ' Messages wait until you approve the new key in the conversation.'}
        </p>
      )}

      <RenameForm peer={peer} />
      {mode === 'secure' && <AutoAcceptForm peer={peer} />}

      <div className="modal-actions contact-actions">
        <button type="button" className="btn danger" aria-haspopup="dialog" onClick={() => openDialog({ kind: 'remove-contact', peer })}>
          Remove contact
        </button>
        <span className="spacer" />
        <button type="button" className="btn" onClick={closeDialog} autoFocus>
          Close
        </button>
      </div>
    </Modal>
  );
}

function SafetyNumber({ peer }: { peer: string }) {
  const safetyNumber = useStore((s) => s.conversations[peer]?.safetyNumber);
  const verified = useStore((s) => s.conversations[peer]?.verified === true);
  const name = useStore((s) => s.conversations[peer]?.name ?? '');
  const verifyContact = useStore((s) => s.verifyContact);
  const headingId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const groups = safetyNumber === undefined ? [] : safetyNumberGroups(safetyNumber);

  async function toggle() {
    setBusy(true);
    setError(null);
    const result = await verifyContact(peer, !verified);
    setBusy(false);
    if (!result.ok) setError(result.error.message);
  }

  return (
    <section className="safety" aria-labelledby={headingId}>
      <div className="safety-head">
        <h3 id={headingId} className="section-title">
          Safety number
        </h3>
        {verified ? <VerifiedBadge /> : <span className="badge badge-muted">not verified</span>}
      </div>
      {groups.length === 0 ? (
        <p className="hint">The safety number shows once {name} has connected.</p>
      ) : (
        <>
          <p className="hint">
            Compare these numbers with the ones {name} sees, in person or over a call you trust. If they match, nobody is in between: mark {name}{' '}
            verified.
          </p>
          <div className="safety-row">
            <p className="safety-number mono">
              {groups.map((group, index) => (
                <span key={index} className="safety-group">
                  {group}
                  {/* A space between groups, so that a copied selection reads as the number. */}
                  {index < groups.length - 1 ? ' ' : ''}
                </span>
              ))}
            </p>
            <CopyButton text={groups.join(' ')} label="Copy safety number" />
          </div>
        </>
      )}
      {error !== null && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {groups.length > 0 && (
        <div>
          <button type="button" className={`btn${verified ? '' : ' primary'}`} onClick={toggle} disabled={busy}>
            {verified ? 'Unverify' : 'Mark as verified'}
          </button>
        </div>
      )}
    </section>
  );
}

/** A local name for the contact; empty goes back to the name they give themselves. */
function RenameForm({ peer }: { peer: string }) {
  const localName = useStore((s) => s.conversations[peer]?.localName);
  const peerName = useStore((s) => s.conversations[peer]?.peerName ?? '');
  const renameContact = useStore((s) => s.renameContact);
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();
  const [value, setValue] = useState(localName ?? '');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const unchanged = value.trim() === (localName ?? '');

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (unchanged) return;
    const problem = value.trim() === '' ? null : nameProblem(value);
    if (problem !== null) return setError(problem);
    setSaving(true);
    setError(null);
    const result = await renameContact(peer, value);
    setSaving(false);
    if (!result.ok) setError(result.error.message);
    else setSaved(true);
  }

  return (
    <form className="field rename" onSubmit={submit} noValidate>
      <label htmlFor={inputId}>Name for this contact</label>
      <div className="rename-row">
        <input
          id={inputId}
          className="input"
          value={value}
          placeholder={peerName}
          onChange={(event) => {
            setValue(event.target.value);
            setError(null);
            setSaved(false);
          }}
          autoComplete="off"
          aria-invalid={error !== null}
          aria-describedby={error !== null ? `${hintId} ${errorId}` : hintId}
        />
        <button type="submit" className="btn" disabled={saving || unchanged}>
          {saving ? 'Saving…' : 'Save name'}
        </button>
      </div>
      <p id={hintId} className="hint">
        Only you see it. Leave it empty to use the name they chose: {peerName}.
      </p>
      <SaveOutcome error={error} errorId={errorId} saved={saved} />
    </form>
  );
}

/** Files from this contact up to a size the person sets arrive without asking; off unless set. */
function AutoAcceptForm({ peer }: { peer: string }) {
  const limit = useStore((s) => s.conversations[peer]?.autoAcceptBytes);
  const setAutoAccept = useStore((s) => s.setAutoAccept);
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();
  const [on, setOn] = useState(limit !== undefined);
  const [megabytes, setMegabytes] = useState(limit === undefined ? '10' : String(limit / MEGABYTE));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const size = Number(megabytes);
    if (on && !(megabytes.trim() !== '' && Number.isFinite(size) && size >= 0)) return setError('Give a size in MB, such as 10 or 0.5.');
    setSaving(true);
    setError(null);
    const result = await setAutoAccept(peer, on ? Math.floor(size * MEGABYTE) : null);
    setSaving(false);
    if (!result.ok) setError(result.error.message);
    else setSaved(true);
  }

  return (
    <form className="field auto-accept" onSubmit={submit} noValidate>
      <label className="check">
        <input
          type="checkbox"
          checked={on}
          onChange={(event) => {
            setOn(event.target.checked);
            setSaved(false);
          }}
        />
        <span>Accept their files without asking, up to</span>
      </label>
      <div className="rename-row">
        <input
          id={inputId}
          className="input"
          inputMode="decimal"
          value={megabytes}
          disabled={!on}
          aria-label="Largest offer accepted without asking, in MB"
          onChange={(event) => {
            setMegabytes(event.target.value);
            setError(null);
            setSaved(false);
          }}
          aria-invalid={error !== null}
          aria-describedby={error !== null ? `${hintId} ${errorId}` : hintId}
        />
        <span>MB</span>
        <button type="submit" className="btn" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
      <p id={hintId} className="hint">
        An offer of all its files together up to this size goes straight to your folder for received files. Nothing opens by itself.
      </p>
      <SaveOutcome error={error} errorId={errorId} saved={saved} />
    </form>
  );
}

/** Under a one-field form: its error (announced at once) or, once saved, a quiet "Saved.". */
function SaveOutcome({ error, errorId, saved }: { error: string | null; errorId: string; saved: boolean }) {
  return (
    <>
      {error !== null && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
      <p className="form-status" role="status">
        {saved ? 'Saved.' : ''}
      </p>
    </>
  );
}

/** "Remove NAME?": forgets the contact, its history and its waiting messages. */
export function RemoveContactDialog({ peer }: { peer: string }) {
  const conversation = useStore((s) => s.conversations[peer]);
  const openDialog = useStore((s) => s.openDialog);
  const removeContact = useStore((s) => s.removeContact);
  const titleId = useId();
  const descriptionId = useId();
  const [removing, setRemoving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (conversation === undefined) return null;
  const { name, queued } = conversation;

  async function remove() {
    setRemoving(true);
    setError(null);
    const result = await removeContact(peer);
    setRemoving(false);
    // Removed: `conversationRemoved` closed this dialog already (closing again could close one opened meanwhile).
    if (!result.ok) setError(result.error.message);
  }

  return (
    <Modal labelledBy={titleId} describedBy={descriptionId} onCancel={() => openDialog({ kind: 'contact', peer })} className="remove-dialog">
      <h2 id={titleId} className="modal-title">
        Remove {name}?
      </h2>
      <p id={descriptionId}>
        Peerline forgets {name}: the conversation and its history
        {queued > 0 ? `, and ${queued} ${queued === 1 ? 'message' : 'messages'} waiting to be delivered` : ''}. If {name} connects again, they
        show up as someone new. This cannot be undone.
      </p>
      <FormError error={error} />
      <div className="modal-actions">
        <button type="button" className="btn" onClick={() => openDialog({ kind: 'contact', peer })} autoFocus>
          Cancel
        </button>
        <button type="button" className="btn danger" onClick={remove} disabled={removing}>
          {removing ? 'Removing…' : 'Remove'}
        </button>
      </div>
    </Modal>
  );
}
