import { useId } from 'react';
import { formatFullDate } from '../lib/timeline';
import { useStore } from '../state/store';
import { usePeerAction } from './hooks';
import { AlertIcon } from './icons';

/**
 * The contact's key is not the one pinned on first use: said at the top of the conversation. A verified
 * contact's messages wait until the person approves the new key, or keeps the old one (the new key is turned
 * away, and the messages wait for the verified key); an unverified one's new key is already pinned, and the
 * warning can be put away. Keeping the old key and dismissing the warning are the same call.
 */
export function KeyChangeBanner({ peer }: { peer: string }) {
  const keyChange = useStore((s) => s.conversations[peer]?.keyChange);
  const name = useStore((s) => s.conversations[peer]?.name ?? '');
  const openDialog = useStore((s) => s.openDialog);
  const approveKey = useStore((s) => s.approveKey);
  const dismissKeyChange = useStore((s) => s.dismissKeyChange);
  const sendHeld = useStore((s) => s.sendHeld);
  const heldUntil = useStore((s) => s.conversations[peer]?.heldUntil);
  const headingId = useId();
  const { busy: approving, error, settle } = usePeerAction(peer);

  if (keyChange === undefined) return heldUntil === undefined ? null : <HeldBanner name={name} onSend={() => settle(sendHeld)} busy={approving} error={error} />;

  return (
    <section className={`key-change${keyChange.needsApproval ? ' needs-approval' : ''}`} aria-labelledby={headingId}>
      <AlertIcon />
      <div className="key-change-body">
        <h3 id={headingId} className="key-change-title">
          Safety number changed
        </h3>
        <p>
          {name} came back with a different key ({formatFullDate(keyChange.at)}). That happens when Peerline is installed again or runs on
          another computer — or when someone is in between. Compare safety numbers with {name} another way before you trust it.
        </p>
        <p className="key-change-fingerprints">
          <span className="label">Was</span> <span className="mono">{keyChange.previousFingerprint}</span>{' '}
          <span className="label">Now</span> <span className="mono">{keyChange.fingerprint}</span>
        </p>
        {keyChange.needsApproval ? (
          <p className="key-change-waiting">
            You had verified {name}: your messages to {name} are waiting until you approve the new key. Approve it to send them with the new
            key; keep the old key to turn the new one away, and they wait for {name} to come back with the key you verified.
          </p>
        ) : (
          <p className="key-change-waiting">
            The new key is already in use for what you write from now on. Dismissing the warning only puts this message away.
            {heldUntil !== undefined && ` What you wrote to ${name} before the change is held: send it to the new key only once you trust it.`}
          </p>
        )}
        <BannerError error={error} />
      </div>
      <div className="key-change-actions">
        {!keyChange.needsApproval && heldUntil !== undefined && (
          <button type="button" className="btn primary small" onClick={() => settle(sendHeld)} disabled={approving}>
            Send held messages to the new key
          </button>
        )}
        {keyChange.needsApproval && (
          <button type="button" className="btn primary small" onClick={() => settle(approveKey)} disabled={approving}>
            {approving ? 'Approving…' : 'Approve new key'}
          </button>
        )}
        <button type="button" className="btn small" aria-haspopup="dialog" onClick={() => openDialog({ kind: 'contact', peer })}>
          Compare safety numbers
        </button>
        {keyChange.needsApproval ? (
          <button type="button" className="btn small" onClick={() => settle(dismissKeyChange)} disabled={approving}>
            Keep old key
          </button>
        ) : (
          <button type="button" className="btn small" onClick={() => settle(dismissKeyChange)} disabled={approving}>
            Dismiss warning
          </button>
        )}
      </div>
    </section>
  );
}

/** The warning was put away, and messages written before the key changed are still held. */
function HeldBanner({ name, onSend, busy, error }: { name: string; onSend: () => void; busy: boolean; error: string | null }) {
  return (
    <section className="key-change" aria-label="Held messages">
      <AlertIcon />
      <div className="key-change-body">
        <p className="key-change-waiting">What you wrote to {name} before their key changed is held. Send it to the new key?</p>
        <BannerError error={error} />
      </div>
      <div className="key-change-actions">
        <button type="button" className="btn primary small" onClick={onSend} disabled={busy}>
          Send held messages to the new key
        </button>
      </div>
    </section>
  );
}

function BannerError({ error }: { error: string | null }) {
  return error === null ? null : (
    <p className="field-error" role="alert">
      {error}
    </p>
  );
}
