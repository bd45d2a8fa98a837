import { randomBytes } from 'node:crypto';
import { MESSAGE_ID_BYTES } from '../../shared/protocol/limits';

const TIME_BYTES = 6;

/** A new message id in hex: 48 bits of milliseconds then random bits, so ids sort roughly by creation time. */
export function newMessageId(now = Date.now()): string {
  const id = randomBytes(MESSAGE_ID_BYTES);
  id.writeUIntBE(now, 0, TIME_BYTES);
  return id.toString('hex');
}
