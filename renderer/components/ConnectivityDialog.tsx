import { useId, useMemo, useState } from 'react';
import type { DialBack } from '../../shared/ipc/contract';
import { useStore } from '../state/store';
import { FormError } from './FormError';
import { Modal } from './Modal';

type Via = 'tcp' | 'dht';

/**
 * "Check my connectivity": where Peerline listens, whether the DHT sees us as reachable and our NAT type, and a
 * dial-back test: a connected contact tries to reach us at our TCP address (as it sees us) or by our key.
 */
export function ConnectivityDialog() {
  const doctor = useStore((s) => s.doctor);
  const conversations = useStore((s) => s.conversations);
  const closeDialog = useStore((s) => s.closeDialog);
  const dialBack = useStore((s) => s.dialBack);
  const titleId = useId();
  const contactId = useId();
  const online = useMemo(() => Object.values(conversations).filter((c) => c.state === 'online' && c.mode === 'secure'), [conversations]);
  const [helper, setHelper] = useState('');
  const [pending, setPending] = useState<Via | null>(null);
  const [answer, setAnswer] = useState<{ via: Via; result: DialBack } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const chosen = online.find((c) => c.peer === helper) ?? online[0];

  async function test(via: Via) {
    if (chosen === undefined) return;
    setPending(via);
    setAnswer(null);
    setError(null);
    const result = await dialBack(chosen.peer, via);
    setPending(null);
    if (result.ok) setAnswer({ via, result: result.value });
    else setError(result.error.message);
  }

  return (
    <Modal labelledBy={titleId} onCancel={closeDialog} className="connectivity-dialog">
      <h2 id={titleId} className="modal-title">
        Check my connectivity
      </h2>
      {doctor === null ? (
        <p role="status">Asking…</p>
      ) : (
        <dl className="facts">
          <dt>Listening</dt>
          <dd>
            <span className="mono">
              {doctor.host}:{doctor.port}
            </span>
          </dd>
          <dt>On this network</dt>
          <dd className="mono">{doctor.addresses.length > 0 ? doctor.addresses.join(', ') : 'no network address'}</dd>
          <dt>Over the internet by key</dt>
          <dd>
            {doctor.dht === null
              ? 'Off: turn on “Reachable over the internet by my key” in Settings.'
              : `${doctor.dht.announced ? 'Your key is announced on the DHT.' : 'Not announced yet.'} NAT: ${doctor.dht.natType}${
                  doctor.dht.publicAddress ? `, seen at ${doctor.dht.publicAddress}` : ''
                }. ${doctor.dht.reachability}`}
          </dd>
          {doctor.dht !== null && (
            <>
              <dt>DHT relay</dt>
              <dd className={doctor.dht.relay === null ? undefined : 'mono'}>
                {doctor.dht.relay ?? 'None (the default): set one in Settings for NATs no hole can be punched through.'}
              </dd>
            </>
          )}
        </dl>
      )}

      <h3 className="section-title">Ask a contact to reach me</h3>
      {online.length === 0 ? (
        <p className="hint">Connect to a contact first: they try to reach you and say what they saw.</p>
      ) : (
        <>
          <div className="field">
            <label htmlFor={contactId}>Contact</label>
            <select id={contactId} className="input" value={chosen?.peer ?? ''} onChange={(event) => setHelper(event.target.value)}>
              {online.map((c) => (
                <option key={c.peer} value={c.peer}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div className="modal-actions">
            <button type="button" className="btn" disabled={pending !== null} onClick={() => void test('tcp')}>
              Test my address
            </button>
            <button type="button" className="btn" disabled={pending !== null || doctor?.dht == null} onClick={() => void test('dht')}>
              Test my key
            </button>
          </div>
        </>
      )}
      <div className="form-status" role="status">
        {pending !== null && 'Testing…'}
        {answer !== null &&
          (answer.result.reachable
            ? `${chosen?.name ?? 'The contact'} reached you at ${answer.result.tried}.`
            : `${chosen?.name ?? 'The contact'} could not reach you at ${answer.result.tried}: ${answer.result.reason ?? ''}`)}
      </div>
      <FormError error={error} />
      <div className="modal-actions">
        <button type="button" className="btn primary" onClick={closeDialog}>
          Close
        </button>
      </div>
    </Modal>
  );
}
