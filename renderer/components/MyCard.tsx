import { useId } from 'react';
import { useStore } from '../state/store';
import { Avatar } from './Avatar';
import { CopyButton } from './CopyButton';

/** Who I am and where others can reach me: name, fingerprint, the addresses to dial, each with a copy button. */
export function MyCard() {
  const identity = useStore((s) => s.identity);
  const node = useStore((s) => s.node);
  const headingId = useId();
  const addressesId = useId();
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
      {node !== null && !node.listening && (
        <p className="me-warning" role="status">
          Not listening: others cannot connect. Choose another port in Settings.
        </p>
      )}
    </section>
  );
}
