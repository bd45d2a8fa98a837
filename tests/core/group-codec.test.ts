import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../shared/protocol/wire';
import { decodeGroup, encodeGroup, MAX_WANTS, type GroupChannelMessage } from '../../electron/core/features/groups/codec';
import { seededRandom } from '../helpers/random';

const key = (n: number) => n.toString(16).padStart(64, '0');

describe('the group/1 channel codec', () => {
  it('round-trips every message type', () => {
    const messages: GroupChannelMessage[] = [
      { type: 'envelopes', group: key(1), items: [Uint8Array.of(1, 2, 3), new Uint8Array(0)] },
      { type: 'heads', group: key(2), seqs: [[key(3), 7]], wants: [key(4)] },
      { type: 'receipts', group: key(5), receipts: [{ member: key(6), author: key(7), seq: 9 }] },
      { type: 'links', group: key(8), members: [key(9), key(10)] },
    ];
    for (const message of messages) expect(decodeGroup(encodeGroup(message))).toEqual(message);
  });

  it('random bytes either decode, are ignored as an unknown type, or throw ProtocolError: nothing else escapes', () => {
    const random = seededRandom(11);
    for (let i = 0; i < 5_000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 200) + 1 }, () => Math.floor(random() * 256));
      bytes[0] = 1 + Math.floor(random() * 5);
      try {
        decodeGroup(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolError);
      }
    }
  });

  it('a count beyond its limit is refused before anything is read for it', () => {
    const heads = encodeGroup({ type: 'heads', group: key(1), seqs: [], wants: [] });
    const tooMany = heads.slice();
    // wants count (little-endian u16) is the last two bytes of an empty heads.
    new DataView(tooMany.buffer).setUint16(tooMany.length - 2, MAX_WANTS + 1, true);
    expect(() => decodeGroup(tooMany)).toThrow(/at most/);
    const lying = encodeGroup({ type: 'envelopes', group: key(1), items: [Uint8Array.of(1)] });
    new DataView(lying.buffer).setUint32(1 + 32 + 2, 0xffff_ffff, true);
    expect(() => decodeGroup(lying)).toThrow(ProtocolError);
  });
});
