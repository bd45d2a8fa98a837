import { describe, expect, it } from 'vitest';
import { decodeReach, encodeReach } from '../../electron/core/features/reach/codec';
import { ProtocolError } from '../../shared/protocol/wire';

describe('reach/1 codec', () => {
  it('round-trips a probe and a result', () => {
    const probe = { type: 'probe', nonce: 7, via: 'tcp', port: 8000 } as const;
    expect(decodeReach(encodeReach(probe))).toEqual(probe);
    const result = { type: 'result', nonce: 4294967295, reachable: false, tried: '203.0.113.5:8000', reason: 'Nobody is listening at 203.0.113.5:8000.' } as const;
    expect(decodeReach(encodeReach(result))).toEqual(result);
  });

  it('refuses hostile bytes with its own error: an unknown path, a TCP probe without a port, a bad flag, trailing bytes, truncation', () => {
    const probe = encodeReach({ type: 'probe', nonce: 1, via: 'dht', port: 0 });
    const badVia = Uint8Array.from(probe);
    badVia[5] = 9;
    expect(() => decodeReach(badVia)).toThrow(ProtocolError);
    expect(() => decodeReach(encodeReach({ type: 'probe', nonce: 1, via: 'tcp', port: 1 }).map((b, i) => (i >= 6 ? 0 : b)))).toThrow(/needs a port/);
    const result = encodeReach({ type: 'result', nonce: 1, reachable: true, tried: 'x', reason: '' });
    const badFlag = Uint8Array.from(result);
    badFlag[5] = 2;
    expect(() => decodeReach(badFlag)).toThrow(/neither 0 nor 1/);
    expect(() => decodeReach(Uint8Array.of(...probe, 0))).toThrow(/trailing/);
    for (let cut = 1; cut < result.length; cut++) expect(() => decodeReach(result.subarray(0, cut))).toThrow(ProtocolError);
  });

  it('ignores a message type from a newer version', () => {
    expect(decodeReach(Uint8Array.of(200, 1, 2))).toBeNull();
  });
});
