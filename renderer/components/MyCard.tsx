import { useId } from 'react';
import { useStore } from '../state/store';
import { Avatar } from './Avatar';
import { CopyButton } from './CopyButton';
import { InviteQr } from './InviteQr';

/**
 * Who I am and where others can reach me: name, fingerprint, the addresses to dial, each with a copy button, and
 * the invite link (key and addresses) to copy or show as a QR code.
 */
export function MyCard() {
  const identity = useStore((s) => s.identity);
  const node = useStore((s) => s.node);
  const doctor = useStore((s) => s.doctor);
  const openDialog = useStore((s) => s.openDialog);
  const headingId = useId();
  const addressesId = useId();
  const linkId = useId();
  if (identity === null) return null;

  return (
    <section className="me" aria-labelledby={headingId}>
      <div className="me-top">
        <Avatar name={identity.name} colourKey={identity.id} size="lg" />
        <div className="me-who">
          <h2 id={headingId} className="me-name" title={identity.name}>
            {identity.name}
          </h2>
          <p className="me-fingerprint">
            <span className="label">Fingerprint</span> <span className="mono">{identity.fingerprint}</span>
          </p>
        </div>
      </div>

      {node !== null && node.listening && (
        <div className="me-reach">
          <p id={addressesId} className="label">
            Others can connect to <span className="port-note">(port {node.port})</span>
          </p>
          {node.addresses.length > 0 ? (
            <ul className="addresses" aria-labelledby={addressesId}>
              {node.addresses.map((address) => (
                <li key={address} className="address">
                  <span className="mono address-text">{address}</span>
                  <CopyButton text={address} label={`Copy ${address}`} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="hint">Port {node.port} on this computer’s addresses.</p>
          )}
        </div>
      )}
      {doctor !== null && (
        <div className="me-invite">
          <p id={linkId} className="label">
            Invite link {doctor.reachableByKey ? '(works over the internet)' : '(this network only: turn on “Reachable over the internet by my key” in Settings)'}
          </p>
          <p className="address">
            <span className="mono address-text invite-link">
              {doctor.link}
            </span>
            <CopyButton text={doctor.link} label="Copy invite link" />
          </p>
          <details className="invite-qr-box">
            <summary>Show as QR code</summary>
            <InviteQr link={doctor.link} />
          </details>
          <button type="button" className="btn link-btn" onClick={() => openDialog({ kind: 'connectivity' })}>
            Check my connectivity
          </button>
        </div>
      )}
      {node !== null && !node.listening && (
        <p className="me-warning" role="status">
          Not listening: others cannot connect. Choose another port in Settings.
        </p>
      )}
    </section>
  );
}
