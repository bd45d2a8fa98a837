/**
 * What a transfer looks like to the person (the window, the CLI, `--json`): its status, its bytes so far and the
 * view sent to the UIs, worked out from the transfer's state alone.
 */
import type { Transfer as TransferView } from '../../../../shared/ipc/contract';
import type { IncomingTransfer } from './incoming';
import type { OutgoingTransfer } from './outgoing';

export type Transfer = IncomingTransfer | OutgoingTransfer;

/** Offered or under way: it may still be answered, paused or cancelled. */
export function isOpen(transfer: Transfer): boolean {
  return transfer.record.state === 'offered' || transfer.record.state === 'accepted';
}

/** Bytes so far: verified on the receiving side, handed to the connection on the sending side. */
export function bytesOf(transfer: Transfer): number {
  if (transfer.record.state === 'done') return transfer.record.totalBytes;
  return transfer.direction === 'in' ? transfer.plan.verifiedBytes : Math.min(transfer.sentBytes, transfer.record.totalBytes);
}

export function statusOf(transfer: Transfer): TransferView['status'] {
  const { record } = transfer;
  const online = transfer.session?.open === true;
  switch (record.state) {
    case 'offered':
      return online ? 'offered' : 'waiting';
    case 'accepted':
      if (record.paused.length > 0) return 'paused';
      if (!online) return 'waiting';
      if (transfer.direction === 'in' && transfer.stalled) return 'stalled';
      return transfer.direction === 'in' ? 'receiving' : 'sending';
    default:
      return record.state;
  }
}

/** The view of a transfer at `bytesPerSecond`; `dangerous` when it holds a program or script. */
export function transferView(transfer: Transfer, bytesPerSecond: number, dangerous: boolean): TransferView {
  const { record } = transfer;
  const bytes = bytesOf(transfer);
  return {
    transfer: record.id,
    peer: record.peer,
    direction: record.direction,
    status: statusOf(transfer),
    name: record.items[0]?.path.split('/')[0] ?? '',
    files: record.items.length,
    total: record.totalBytes,
    bytes,
    bytesPerSecond,
    ...(bytesPerSecond > 0 && isOpen(transfer) && { etaSeconds: Math.ceil((record.totalBytes - bytes) / bytesPerSecond) }),
    paused: [...record.paused],
    ...(record.reason !== undefined && { reason: record.reason }),
    ...(record.directory !== undefined && { directory: record.directory }),
    dangerous,
  };
}
