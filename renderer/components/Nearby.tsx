import { useId } from 'react';
import type { NearbyPeer } from '../../shared/ipc/contract';
import { useStore } from '../state/store';
import { usePeerAction } from './hooks';

/**
 * Peerlines heard on the local network: fingerprint, address, and "your contact" when the key is one of them.
 * One click connects (the handshake must show the announced key, or the entry is dropped), or opens the
 * conversation of a contact online already. Shown while the person looks for nearby devices (Settings).
 */
export function NearbyList() {
  const looking = useStore((s) => s.settings?.nearbyLook ?? false);
  const nearby = useStore((s) => s.nearby);
  const titleId = useId();
  if (!looking) return null;

  return (
    <section className="nearby" aria-labelledby={titleId}>
      <h2 id={titleId} className="nearby-title">
        Nearby
      </h2>
      {nearby.length === 0 ? (
        <p className="hint nearby-empty">No Peerline heard on this network yet.</p>
      ) : (
        <ul className="nearby-list" role="list">
          {nearby.map((peer) => (
            <NearbyItem key={`${peer.fingerprint}@${peer.address}`} peer={peer} />
          ))}
        </ul>
      )}
    </section>
  );
}

function NearbyItem({ peer }: { peer: NearbyPeer }) {
  const connectNearby = useStore((s) => s.connectNearby);
  const selectConversation = useStore((s) => s.selectConversation);
  // A contact already online here is opened, not dialed again.
  const online = useStore((s) => peer.contact !== undefined && s.conversations[peer.contact.peer]?.state === 'online');
  const { busy: connecting, error, settle } = usePeerAction(peer);
  const labelId = useId();
  const errorId = useId();
  const who = peer.contact ? peer.contact.name : peer.fingerprint;

  return (
    <li className="nearby-item" aria-labelledby={labelId}>
      <div className="nearby-who" id={labelId}>
        {peer.contact && <span className="nearby-name">{peer.contact.name}</span>}
        <span className="nearby-fingerprint mono">{peer.fingerprint}</span>
        <span className="nearby-address mono">{peer.address}</span>
        {peer.contact && <span className="nearby-known">Your contact</span>}
      </div>
      {online ? (
        <button type="button" className="btn small" onClick={() => selectConversation(peer.contact!.peer)} aria-label={`Open the conversation with ${who}`}>
          Open
        </button>
      ) : (
        <button
          type="button"
          className="btn small"
          onClick={() => void settle(connectNearby)}
          disabled={connecting}
          aria-label={`Connect to ${who} at ${peer.address}`}
          aria-describedby={error !== null ? errorId : undefined}
        >
          {connecting ? 'Connecting…' : 'Connect'}
        </button>
      )}
      {error !== null && (
        <p id={errorId} className="field-error nearby-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
