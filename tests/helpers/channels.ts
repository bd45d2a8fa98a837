import type { ChannelSpec } from '../../electron/core/channels';
import { ProtocolError } from '../../shared/protocol/codec';

/**
 * A channel as a later feature (files) adds one, for tests: each message is a chunk of bytes whose first byte,
 * its type code, is 1; anything else is malformed.
 */
export const CHUNK_CHANNEL: ChannelSpec<Uint8Array> = {
  name: 'test-chunks/1',
  codec: {
    encode: (chunk) => chunk,
    decode: (bytes) => {
      if (bytes[0] !== 1) throw new ProtocolError('a chunk starts with type code 1');
      return bytes.slice();
    },
  },
};

/** A chunk of `bytes` bytes for CHUNK_CHANNEL. */
export function chunkOf(bytes: number): Uint8Array {
  const chunk = new Uint8Array(bytes).fill(7);
  chunk[0] = 1;
  return chunk;
}
