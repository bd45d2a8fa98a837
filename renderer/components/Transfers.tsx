import { useId, useState } from 'react';
import type { Transfer } from '../../shared/ipc/contract';
import { formatBytes } from '../lib/format';
import { useStore } from '../state/store';

const STATUS_TEXT: Record<Transfer['status'], string> = {
  waiting: 'waiting for the contact',
  offered: 'offered',
  sending: 'sending',
  receiving: 'receiving',
  paused: 'paused',
  stalled: 'stalled, asking again',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
  declined: 'declined',
};

const OPEN: ReadonlySet<Transfer['status']> = new Set(['waiting', 'offered', 'sending', 'receiving', 'paused', 'stalled']);

/** The file transfers with one contact, newest first: offers to answer, progress, and what can be done with each. */
export function Transfers({ peer }: { peer: string }) {
  const transfers = useStore((s) => s.transfers);
  const shown = Object.values(transfers)
    .filter((t) => t.peer === peer)
    .sort((a, b) => (OPEN.has(b.status) ? 1 : 0) - (OPEN.has(a.status) ? 1 : 0));
  const headingId = useId();
  if (shown.length === 0) return null;
  return (
    <section className="transfers" aria-labelledby={headingId}>
      <h3 id={headingId} className="sr-only">
        File transfers
      </h3>
      <ul className="transfer-list">
        {shown.map((transfer) => (
          <TransferCard key={transfer.transfer} transfer={transfer} />
        ))}
      </ul>
    </section>
  );
}

/** What a card's title says: "Received" only once the file is there. */
const TITLE_PREFIX = {
  out: { underway: 'To send: ', done: 'Sent: ' },
  in: { underway: 'Incoming: ', done: 'Received: ' },
} as const;

function TransferCard({ transfer }: { transfer: Transfer }) {
  const offer = useStore((s) => s.offers[transfer.transfer]);
  const act = useStore((s) => s.transferAction);
  const show = useStore((s) => s.showTransfer);
  const [place, setPlace] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const labelId = useId();
  const { status, direction, total, bytes, files, name } = transfer;
  const run = async (action: Parameters<typeof act>[1]) => {
    setBusy(true);
    await act(transfer.transfer, action);
    setBusy(false);
  };
  const what = `${name}${files > 1 ? ` (${files} files)` : ''}`;
  const percent = total === 0 ? 100 : Math.floor((bytes * 100) / total);
  const answering = direction === 'in' && status === 'offered';
  const moving = status === 'sending' || status === 'receiving';
  return (
    <li className={`transfer transfer-${status}`} aria-labelledby={labelId}>
      <p id={labelId} className="transfer-title">
        {TITLE_PREFIX[direction][status === 'done' ? 'done' : 'underway']}
        <strong>{what}</strong>, {formatBytes(total)}
      </p>
      <p className="transfer-status" role="status">
        {STATUS_TEXT[status]}
        {transfer.paused.includes('disk') && ' (the disk is full; it goes on once there is space)'}
        {transfer.reason !== undefined && status !== 'done' && `: ${transfer.reason}`}
        {moving && transfer.bytesPerSecond > 0 && ` · ${formatBytes(transfer.bytesPerSecond)}/s`}
        {moving && transfer.etaSeconds !== undefined && ` · ${transfer.etaSeconds} s left`}
      </p>
      {OPEN.has(status) && !answering && <progress className="transfer-progress" max={100} value={percent} aria-label={`${what}: ${percent}%`} />}
      {answering && offer?.freeBytes !== undefined && <p className="transfer-note">{formatBytes(offer.freeBytes)} free where it would go.</p>}
      {transfer.dangerous && (direction === 'in' || answering) && (
        <p className="transfer-note transfer-warn">It holds a program or script: open it only if you trust where it comes from.</p>
      )}
      {place !== null && <p className="transfer-note mono">{place}</p>}
      <div className="transfer-actions">
        {answering && (
          <>
            <button type="button" className="btn primary small" disabled={busy} onClick={() => void run('accept')}>
              Accept
            </button>
            <button type="button" className="btn small" disabled={busy} onClick={() => void run('decline')}>
              Decline
            </button>
          </>
        )}
        {OPEN.has(status) && !answering && status !== 'offered' && status !== 'waiting' && (
          transfer.paused.includes('me') ? (
            <button type="button" className="btn small" disabled={busy} onClick={() => void run('resume')}>
              Resume
            </button>
          ) : (
            <button type="button" className="btn small" disabled={busy} onClick={() => void run('pause')}>
              Pause
            </button>
          )
        )}
        {OPEN.has(status) && !answering && (
          <button type="button" className="btn small danger" disabled={busy} onClick={() => void run('cancel')}>
            Cancel
          </button>
        )}
        {direction === 'in' && status === 'done' && (
          <button type="button" className="btn small" onClick={() => void show(transfer.transfer).then(setPlace)}>
            Show in folder
          </button>
        )}
      </div>
    </li>
  );
}
