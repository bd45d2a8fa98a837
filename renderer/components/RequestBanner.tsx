import { useId } from 'react';
import { formatBytes } from '../lib/format';
import { selectRequest } from '../state/selectors';
import { useStore } from '../state/store';
import { usePeerAction } from './hooks';
import { AlertIcon } from './icons';

/**
 * A message request at the top of its conversation: someone the person never accepted nor dialed. Peerline kept
 * its first messages only; the rest waits on the sender's side until the person accepts (or replies). Declining
 * forgets it; blocking refuses it from now on.
 */
export function RequestBanner({ peer }: { peer: string }) {
  const request = useStore((s) => selectRequest(s, peer));
  const name = useStore((s) => s.conversations[peer]?.name ?? '');
  const acceptRequest = useStore((s) => s.acceptRequest);
  const declineRequest = useStore((s) => s.declineRequest);
  const blockPeer = useStore((s) => s.blockPeer);
  const headingId = useId();
  const { busy, error, settle: decide } = usePeerAction(peer);

  if (request === null) return null;

  return (
    <section className="key-change request" aria-labelledby={headingId}>
      <AlertIcon />
      <div className="key-change-body">
        <h3 id={headingId} className="key-change-title">
          Message request
        </h3>
        <p>
          {name} is not one of your contacts: you have not accepted them, and you did not connect to them. Peerline kept their first{' '}
          {request.messages === 1 ? 'message' : `${request.messages} messages`} ({formatBytes(request.bytes)}); anything more waits on their side until
          you accept. Replying accepts too.
        </p>
        {error !== null && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div className="key-change-actions">
        <button type="button" className="btn primary small" onClick={() => decide(acceptRequest)} disabled={busy}>
          Accept
        </button>
        <button type="button" className="btn small" onClick={() => decide(declineRequest)} disabled={busy}>
          Decline
        </button>
        <button type="button" className="btn small danger" onClick={() => decide(blockPeer)} disabled={busy}>
          Block
        </button>
      </div>
    </section>
  );
}
