import { describe, expect, it } from 'vitest';
import { fromBase32, toBase32 } from '../../shared/base32';
import { decodeInvite, encodeInvite, MAX_INVITE_ADDRESSES, MAX_INVITE_LINK_CHARS, parseDialTarget, parsePeerKey } from '../../shared/invite-link';

const KEY = '3f'.repeat(16) + 'a0'.repeat(16);

describe('invite links', () => {
  it('round-trips a key, LAN addresses (IPv4, IPv6) and a name with spaces and escapes', () => {
    const invite = { key: KEY, addresses: ['192.168.1.20:8000', '[fe80::1]:8001'], name: 'Bob & Co = 100%' };
    const link = encodeInvite(invite);
    expect(link).toMatch(/^peerline:[a-z2-7]{52}\?/);
    expect(decodeInvite(link)).toEqual({ ok: true, value: invite });
  });

  it('round-trips a bare key, and reads the scheme and the key in any case', () => {
    const link = encodeInvite({ key: KEY, addresses: [] });
    expect(decodeInvite(link.toUpperCase())).toEqual({ ok: true, value: { key: KEY, addresses: [] } });
  });

  it('refuses a damaged key: too short, a character outside base32, non-zero trailing bits', () => {
    const key32 = toBase32(Buffer.from(KEY, 'hex'));
    expect(decodeInvite(`peerline:${key32.slice(1)}`)).toMatchObject({ ok: false, error: /key in that link is damaged/ });
    expect(decodeInvite(`peerline:${key32.slice(0, -1)}1`)).toMatchObject({ ok: false, error: /damaged/ });
    expect(decodeInvite(`peerline:${key32.slice(0, -1)}b`)).toMatchObject({ ok: false, error: /damaged/ });
    expect(decodeInvite('peerline:')).toMatchObject({ ok: false });
  });

  it('refuses an oversize link before reading it', () => {
    const huge = `peerline:${toBase32(Buffer.from(KEY, 'hex'))}?n=${'x'.repeat(MAX_INVITE_LINK_CHARS)}`;
    expect(decodeInvite(huge)).toMatchObject({ ok: false, error: /too long/ });
  });

  it('refuses junk addresses, too many addresses, a stray %, and a name that is too long', () => {
    const base = encodeInvite({ key: KEY, addresses: [] });
    expect(decodeInvite(`${base}?a=not%20an%20address`)).toMatchObject({ ok: false, error: /address in that link is not usable/ });
    expect(decodeInvite(`${base}?a=http%3A%2F%2Fevil%3A80`)).toMatchObject({ ok: false, error: /not usable/ });
    expect(decodeInvite(`${base}?a=1.2.3.4%3A99999`)).toMatchObject({ ok: false, error: /Port must be/ });
    expect(decodeInvite(`${base}?a=%E0%A4%A`)).toMatchObject({ ok: false, error: /stray "%"/ });
    const many = Array.from({ length: MAX_INVITE_ADDRESSES + 1 }, (_, i) => `a=10.0.0.${i + 1}%3A8000`).join('&');
    expect(decodeInvite(`${base}?${many}`)).toMatchObject({ ok: false, error: /more than 8 addresses/ });
    expect(decodeInvite(`${base}?n=${'é'.repeat(100)}`)).toMatchObject({ ok: false, error: /name in that link/ });
  });

  it('ignores fields it does not know (from newer versions)', () => {
    expect(decodeInvite(`${encodeInvite({ key: KEY, addresses: [] })}?v=9&x`)).toEqual({ ok: true, value: { key: KEY, addresses: [] } });
  });

  it('survives random junk after the scheme without throwing', () => {
    for (let i = 0; i < 500; i++) {
      const junk = Array.from({ length: (i % 90) + 1 }, () => String.fromCharCode(Math.floor(Math.random() * 0x3000))).join('');
      const result = decodeInvite(`peerline:${junk}`);
      expect(typeof result.ok).toBe('boolean');
      expect(() => parseDialTarget(junk)).not.toThrow();
    }
  });
});

describe('what is typed into Connect', () => {
  it('tells an address, a hex key, a base32 key and a link apart', () => {
    expect(parseDialTarget('192.168.1.20:8000')).toEqual({ ok: true, value: { kind: 'address', host: '192.168.1.20', port: 8000 } });
    expect(parseDialTarget(KEY.toUpperCase())).toEqual({ ok: true, value: { kind: 'key', invite: { key: KEY, addresses: [] } } });
    expect(parseDialTarget(toBase32(Buffer.from(KEY, 'hex')))).toEqual({ ok: true, value: { kind: 'key', invite: { key: KEY, addresses: [] } } });
    expect(parseDialTarget(encodeInvite({ key: KEY, addresses: ['10.0.0.2:8000'], name: 'Bob' }))).toMatchObject({
      ok: true,
      value: { kind: 'key', invite: { addresses: ['10.0.0.2:8000'], name: 'Bob' } },
    });
  });

  it('says a key with one digit missing is a damaged key, not a bad host name', () => {
    expect(parseDialTarget(KEY.slice(1))).toMatchObject({ ok: false, error: /key is damaged/ });
    expect(parseDialTarget('')).toMatchObject({ ok: false, error: /a key, or a peerline: link/ });
  });

  it('reads keys only as 64 hex digits or 52 base32 letters', () => {
    expect(parsePeerKey('zz'.repeat(32))).toBeNull();
    expect(parsePeerKey(KEY + '00')).toBeNull();
    expect(fromBase32('a'.repeat(52), 32)).not.toBeNull();
    expect(fromBase32('a'.repeat(51) + '8', 32)).toBeNull();
  });
});
