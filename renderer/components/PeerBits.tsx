/** Small pieces that the conversation list, the header and the contact dialog show alike. */
import type { PeerState } from '../../shared/ipc/contract';
import { retryCountdown } from '../lib/format';
import { useSecondNow } from './hooks';
import { ShieldCheckIcon } from './icons';

/** "online", "connecting", "offline" — and for an offline contact dialed again by itself, when that will be. */
export function Presence({ state, nextRetryAt }: { state: PeerState; nextRetryAt?: number | undefined }) {
  const counting = state === 'offline' && nextRetryAt !== undefined;
  const now = useSecondNow(counting);
  return (
    <span className={`presence presence-${state}`}>
      <span className="presence-state">{state}</span>
      {counting && <span className="retry-countdown">· {retryCountdown(nextRetryAt, now)}</span>}
    </span>
  );
}

export function VerifiedBadge() {
  return (
    <span className="badge badge-ok" title="You compared safety numbers and marked this contact verified">
      <ShieldCheckIcon size={12} /> verified
    </span>
  );
}

/** A message request: someone the person has not accepted yet. */
export function RequestBadge() {
  return (
    <span className="badge badge-warn" title="Someone you have not accepted yet: accept, decline or block">
      request
    </span>
  );
}

export function KeyChangedBadge() {
  return (
    <span className="badge badge-danger" title="This contact’s safety number changed">
      key changed
    </span>
  );
}

/**
 * The name the contact gives itself, when the person renamed it to something else (shown as "calls themselves …");
 * null otherwise.
 */
export function ownNameIfRenamed({ name, peerName, localName }: { name: string; peerName: string; localName?: string | undefined }): string | null {
  return localName !== undefined && peerName !== name ? peerName : null;
}

/** Our messages waiting for the contact (queued, or sent and not yet acknowledged). */
export function WaitingCount({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <span className="badge badge-wait" title="Your messages waiting to be delivered">
      {count} waiting
    </span>
  );
}
