import { randomFillSync } from 'node:crypto';
import { MESSAGE_ID_BYTES } from '../../shared/protocol/limits';

const TIME_BYTES = 6;
const RANDOM_BYTES = MESSAGE_ID_BYTES - TIME_BYTES;
/**
 * Random bytes for the next 256 ids, drawn at once: a call into the CSPRNG costs about 2 µs however few bytes it
 * returns, which was a large share of sending a small message when every id made its own call.
 */
const pool = Buffer.alloc(RANDOM_BYTES * 256);
let poolOffset = pool.length;

/** A new message id in hex: 48 bits of milliseconds then random bits, so ids sort roughly by creation time. */
export function newMessageId(now = Date.now()): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const id = Buffer.allocUnsafe(MESSAGE_ID_BYTES);
  id.writeUIntBE(now, 0, TIME_BYTES);
  pool.copy(id, TIME_BYTES, poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
  return id.toString('hex');
}
