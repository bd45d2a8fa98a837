import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { formatAddress, isIPv6Literal, parsePeerAddress } from '../../shared/address';
import { DEFAULT_PORT } from '../../shared/protocol/limits';

const NOT_IPV4 = 'is not a valid IPv4 address: it has four numbers from 0 to 255, like 192.168.1.20.';

describe('parsePeerAddress', () => {
  it.each([
    ['192.168.1.20:8000', '192.168.1.20', 8000],
    ['192.168.1.20', '192.168.1.20', DEFAULT_PORT],
    ['  localhost:9000 \n', 'localhost', 9000],
    ['my-laptop.local', 'my-laptop.local', DEFAULT_PORT],
    ['host_with_underscore:1', 'host_with_underscore', 1],
    ['example.com:65535', 'example.com', 65535],
    ['[::1]:8001', '::1', 8001],
    ['[::1]', '::1', DEFAULT_PORT],
    ['::1', '::1', DEFAULT_PORT],
    ['fe80::1', 'fe80::1', DEFAULT_PORT],
    ['fe80::1%eth0', 'fe80::1%eth0', DEFAULT_PORT],
    ['[fe80::1%eth0]:8000', 'fe80::1%eth0', 8000],
    ['[::ffff:192.0.2.1]:80', '::ffff:192.0.2.1', 80],
    ['2001:db8:0:0:0:0:0:1', '2001:db8:0:0:0:0:0:1', DEFAULT_PORT],
    ['[2001:DB8::ABCD]:443', '2001:DB8::ABCD', 443],
  ])('accepts %j', (input, host, port) => {
    expect(parsePeerAddress(input)).toEqual({ ok: true, host, port });
  });

  it('uses the default port it is given', () => {
    expect(parsePeerAddress('10.0.0.1', 8123)).toEqual({ ok: true, host: '10.0.0.1', port: 8123 });
    expect(parsePeerAddress('[::1]', 8123)).toEqual({ ok: true, host: '::1', port: 8123 });
  });

  it.each([
    ['', 'Type an address like 192.168.1.20:8000.'],
    ['   ', 'Type an address like 192.168.1.20:8000.'],
    ['host:0', 'Port must be a number from 1 to 65535.'],
    ['host:65536', 'Port must be a number from 1 to 65535.'],
    ['host:', 'Port must be a number from 1 to 65535.'],
    ['host:80a', 'Port must be a number from 1 to 65535.'],
    ['host:-1', 'Port must be a number from 1 to 65535.'],
    ['host:1e3', 'Port must be a number from 1 to 65535.'],
    ['host:8000.5', 'Port must be a number from 1 to 65535.'],
    ['[::1]:0', 'Port must be a number from 1 to 65535.'],
    [':8000', 'Type the host before the port, like 192.168.1.20:8000.'],
    ['8000', 'That looks like a port alone. Type the host too, like 192.168.1.20:8000.'],
    ['http://192.168.1.20:8000', 'Leave out "http://" and type just the address, like 192.168.1.20:8000.'],
    ['192.168.1.20 8000', 'An address has no spaces; put a colon before the port, like 192.168.1.20:8000.'],
    ['[::1', 'Close the IPv6 address with "]", like [fe80::1]:8000.'],
    ['[::1]8000', 'After "]" type a colon and the port, like [fe80::1]:8000.'],
    ['[]:8000', 'Type an IPv6 address between the brackets, like [fe80::1]:8000.'],
    ['[example.com]:80', '"example.com" is not a valid IPv6 address.'],
    ['192.168.1.300', `"192.168.1.300" ${NOT_IPV4}`],
    ['10.0.1', `"10.0.1" ${NOT_IPV4}`],
    ['010.0.0.1', `"010.0.0.1" ${NOT_IPV4}`],
    ['-host:80', '"-host" is not a valid host name: a part between dots starts or ends with a hyphen.'],
    ['a.host-.com', '"a.host-.com" is not a valid host name: a part between dots starts or ends with a hyphen.'],
    ['a..b', '"a..b" is not a valid host name: it has an empty part between dots.'],
    ['héllo:80', '"héllo" is not a valid host name: use only letters, digits, dots, hyphens and underscores.'],
    ['user@host:80', '"user@host" is not a valid host name: use only letters, digits, dots, hyphens and underscores.'],
    ['1:2:3', '"1:2:3" is not a valid IPv6 address. Type an address like 192.168.1.20:8000.'],
    ['fe80::1::2', '"fe80::1::2" is not a valid IPv6 address. Type an address like 192.168.1.20:8000.'],
    ['x'.repeat(301), 'That address is too long. Type an address like 192.168.1.20:8000.'],
  ])('rejects %j with a sentence', (input, error) => {
    expect(parsePeerAddress(input)).toEqual({ ok: false, error });
  });

  it('rejects a host name label longer than 63 characters', () => {
    const result = parsePeerAddress(`${'a'.repeat(64)}.com`);
    expect(result.ok).toBe(false);
  });

  it('never throws, and every error is a sentence', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })), (input) => {
        const result = parsePeerAddress(input);
        if (!result.ok) expect(result.error).toMatch(/^[A-Z"].*\.$/s);
      }),
      { numRuns: 500 },
    );
  });
});

describe('formatAddress', () => {
  it('puts an IPv6 host in brackets and leaves others alone', () => {
    expect(formatAddress('::1', 8000)).toBe('[::1]:8000');
    expect(formatAddress('fe80::1%eth0', 1)).toBe('[fe80::1%eth0]:1');
    expect(formatAddress('192.168.1.20', 8000)).toBe('192.168.1.20:8000');
    expect(formatAddress('example.com', 443)).toBe('example.com:443');
  });

  it('formats what parsePeerAddress reads back unchanged', () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
    const ipv6 = fc.ipV6();
    const hostName = fc.domain();
    fc.assert(
      fc.property(fc.oneof(ipv4, ipv6, hostName), fc.integer({ min: 1, max: 65535 }), (host, port) => {
        expect(parsePeerAddress(formatAddress(host, port))).toEqual({ ok: true, host, port });
      }),
      { numRuns: 500 },
    );
  });
});

describe('isIPv6Literal', () => {
  const valid = ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::ffff:1.2.3.4', 'fe80::1%en0'];
  const invalid = ['', '1', '1.2.3.4', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', ':::', '1:::2', ':1::', '12345::'];
  const tooManyGroups = ['1::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:1.2.3.4'];
  const badParts = ['1.2.3.4::', '::1.2.3', '::1.2.3.4:1', 'g::1', '::1%', '::1%a%b', '::1%a b'];

  it.each(valid)('accepts %s', (host) => {
    expect(isIPv6Literal(host)).toBe(true);
  });

  it.each([...invalid, ...tooManyGroups, ...badParts])('rejects %j', (host) => {
    expect(isIPv6Literal(host)).toBe(false);
  });
});
