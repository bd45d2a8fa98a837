/**
 * The reach channel's codec (`reach/1`): a connected contact tries to reach us for "Check my connectivity".
 * Fields after the type code (wire.ts):
 *
 *   probe   u32 nonce, u8 via (0 TCP, 1 DHT), u16 port (our TCP listening port; 0 for the DHT)
 *   result  u32 nonce, u8 reachable, str8 tried, str16 reason
 */
import { encodeText, MessageWriter, ProtocolError, readerOf, textSize, TYPE_BYTES, type TextField } from '../../../../shared/protocol/wire';
import type { ChannelSpec } from '../../channels';

export type ProbeVia = 'tcp' | 'dht';
export type ReachMessage =
  | { type: 'probe'; nonce: number; via: ProbeVia; port: number }
  | { type: 'result'; nonce: number; reachable: boolean; tried: string; reason: string };

const ReachType = { Probe: 1, Result: 2 } as const;
const TRIED: TextField = { label: 'probe target', maxBytes: 255, lengthPrefixBytes: 1 };
const REASON: TextField = { label: 'probe reason', maxBytes: 1024, lengthPrefixBytes: 2 };
const VIA_CODES: readonly ProbeVia[] = ['tcp', 'dht'];

export function encodeReach(message: ReachMessage): Uint8Array {
  if (message.type === 'probe') {
    const writer = new MessageWriter(TYPE_BYTES + 4 + 1 + 2, ReachType.Probe);
    writer.u32(message.nonce);
    writer.u8(VIA_CODES.indexOf(message.via));
    writer.u16(message.port);
    return writer.bytes;
  }
  const tried = encodeText(TRIED, message.tried).slice();
  const reason = encodeText(REASON, message.reason);
  const writer = new MessageWriter(TYPE_BYTES + 4 + 1 + textSize(TRIED, tried) + textSize(REASON, reason), ReachType.Result);
  writer.u32(message.nonce);
  writer.u8(message.reachable ? 1 : 0);
  writer.text(TRIED, tried);
  writer.text(REASON, reason);
  return writer.bytes;
}

export function decodeReach(bytes: Uint8Array): ReachMessage | null {
  const { typeCode, reader } = readerOf(bytes);
  switch (typeCode) {
    case ReachType.Probe: {
      const nonce = reader.u32('probe nonce');
      const viaCode = reader.u8('probe path');
      const via = VIA_CODES[viaCode];
      if (via === undefined) throw new ProtocolError(`probe path ${viaCode} is neither 0 (TCP) nor 1 (DHT)`);
      const port = reader.u16('probe port');
      if (via === 'tcp' && port === 0) throw new ProtocolError('a TCP probe needs a port from 1 to 65535');
      reader.end('probe');
      return { type: 'probe', nonce, via, port };
    }
    case ReachType.Result: {
      const nonce = reader.u32('result nonce');
      const reachable = reader.u8('result flag');
      if (reachable > 1) throw new ProtocolError(`result flag ${reachable} is neither 0 nor 1`);
      const tried = reader.text(TRIED);
      const reason = reader.text(REASON);
      reader.end('result');
      return { type: 'result', nonce, reachable: reachable === 1, tried, reason };
    }
    default:
      return null;
  }
}

export const REACH_CHANNEL: ChannelSpec<ReachMessage> = {
  name: 'reach/1',
  codec: { encode: encodeReach, decode: decodeReach },
};
