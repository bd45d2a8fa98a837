import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { announcementTxt, parseAnnouncement } from '../../electron/core/features/discovery/announcement';
import { DatagramGate } from '../../electron/core/features/discovery/datagram-gate';
import { eligibleInterfaces } from '../../electron/core/features/discovery/interfaces';
import { MAX_DISCOVERY_DATAGRAM_BYTES } from '../../electron/core/features/discovery/limits';
import { announcementsIn, SERVICE_NAME, txtFields } from '../../electron/core/features/discovery/mdns-records';
import { NearbyTable } from '../../electron/core/features/discovery/nearby-table';

const v4 = (address: string, extra: Partial<NetworkInterfaceInfo> = {}): NetworkInterfaceInfo =>
  ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '52:54:00:12:34:56', internal: false, cidr: `${address}/24`, ...extra }) as NetworkInterfaceInfo;
const v6 = (address: string): NetworkInterfaceInfo =>
  ({ address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '52:54:00:12:34:56', internal: false, cidr: `${address}/64`, scopeid: 0 }) as NetworkInterfaceInfo;

describe('eligible interfaces', () => {
  it('keeps one IPv4 address per LAN interface and skips loopback, link-local, bridges, veths and tunnels', () => {
    const table = {
      lo: [v4('127.0.0.1', { internal: true, mac: '00:00:00:00:00:00' })],
      eth0: [v6('fe80::1'), v4('192.168.1.20'), v4('192.168.1.21')],
      wlan0: [v4('10.0.0.7')],
      'Ethernet 2': [v4('172.20.1.5')],
      eth1: [v4('169.254.10.3')],
      docker0: [v4('172.17.0.1')],
      'br-5f2c': [v4('172.18.0.1')],
      veth12ab: [v4('172.17.0.9')],
      virbr0: [v4('192.168.122.1')],
      vboxnet0: [v4('192.168.56.1')],
      'vEthernet (WSL)': [v4('172.29.0.1')],
      tun0: [v4('10.8.0.2')],
      wg0: [v4('10.66.0.2')],
      utun3: [v4('10.7.0.2')],
      tailscale0: [v4('100.101.1.2')],
      ppp0: [v4('10.64.0.9')],
      // A tunnel under a name we do not know: it has no hardware address.
      myvpn: [v4('10.99.0.2', { mac: '00:00:00:00:00:00' })],
      eth2: [v6('2001:db8::5')],
      gone: undefined,
    };
    expect(eligibleInterfaces(table)).toEqual([
      { name: 'eth0', address: '192.168.1.20' },
      { name: 'wlan0', address: '10.0.0.7' },
      { name: 'Ethernet 2', address: '172.20.1.5' },
    ]);
  });

  it('finds nothing on a machine with loopback only', () => {
    expect(eligibleInterfaces({ lo: [v4('127.0.0.1', { internal: true })] })).toEqual([]);
  });
});

describe('announcements', () => {
  const good = { fingerprint: 'ABCD EFGH IJKL MN23', port: 8000, instance: '0123456789abcdef' };

  it('carry the fingerprint, port and instance id, and nothing else (no name, no host)', () => {
    const txt = announcementTxt(good);
    expect(txt).toEqual({ v: '1', fp: 'ABCDEFGHIJKLMN23', id: '0123456789abcdef' });
    expect(parseAnnouncement(txt, 8000)).toEqual(good);
  });

  it('refuse anything off: version, fingerprint, id, port, types, inherited fields', () => {
    const txt = announcementTxt(good);
    const bad: Array<[unknown, unknown]> = [
      [{ ...txt, v: '2' }, 8000],
      [{ ...txt, fp: 'abcdefghijklmn23' }, 8000],
      [{ ...txt, fp: 'ABCDEFGHIJKLMN2' }, 8000],
      [{ ...txt, fp: 'ABCDEFGHIJKLMN231' }, 8000],
      [{ ...txt, fp: 'ABCDEFGHIJKLMN01' }, 8000],
      [{ ...txt, id: 'xyz' }, 8000],
      [{ ...txt, id: Buffer.from('0123456789abcdef') }, 8000],
      [txt, 0],
      [txt, 65536],
      [txt, 80.5],
      [txt, '8000'],
      [null, 8000],
      ['v=1', 8000],
      [Object.create({ v: '1', fp: 'ABCDEFGHIJKLMN23', id: '0123456789abcdef' }), 8000],
    ];
    for (const [t, port] of bad) expect(parseAnnouncement(t, port)).toBeNull();
  });

  it('are read out of an mDNS response strictly: our type only, PTR with SRV and TXT, goodbyes ignored', () => {
    const fqdn = `0123456789abcdef.${SERVICE_NAME}`;
    const txtData = ['v=1', 'fp=ABCDEFGHIJKLMN23', 'id=0123456789abcdef', 'fp=ZZZZZZZZZZZZZZZZ'].map((s) => Buffer.from(s));
    const packet = {
      answers: [
        { name: SERVICE_NAME, type: 'PTR', ttl: 4500, data: fqdn },
        { name: '_other._tcp.local', type: 'PTR', ttl: 4500, data: 'x._other._tcp.local' },
        { name: SERVICE_NAME, type: 'PTR', ttl: 4500, data: 'orphan._peerline._tcp.local' },
        { name: SERVICE_NAME, type: 'PTR', ttl: 0, data: 'bye._peerline._tcp.local' },
        null,
        'junk',
      ],
      additionals: [
        { name: fqdn, type: 'SRV', ttl: 120, data: { port: 8000, target: '0123456789abcdef.local' } },
        { name: fqdn, type: 'TXT', ttl: 4500, data: txtData },
        { name: 'bye._peerline._tcp.local', type: 'SRV', ttl: 0, data: { port: 1, target: 'x' } },
        { name: 'bye._peerline._tcp.local', type: 'TXT', ttl: 0, data: txtData },
        // An address in the payload is never used: the caller takes the datagram's source.
        { name: '0123456789abcdef.local', type: 'A', ttl: 120, data: '203.0.113.9' },
      ],
    };
    expect(announcementsIn(packet)).toEqual([good]);
    expect(announcementsIn({ answers: 'x', additionals: 5 })).toEqual([]);
    expect(announcementsIn({})).toEqual([]);
  });

  it('TXT fields: the first of a duplicate wins, pieces without a key are skipped, __proto__ is a plain key', () => {
    const fields = txtFields([Buffer.from('a=1'), Buffer.from('a=2'), Buffer.from('=x'), Buffer.from('noequals'), Buffer.from('__proto__=p'), 7]);
    expect(Object.entries(fields)).toEqual([
      ['a', '1'],
      ['__proto__', 'p'],
    ]);
    expect(Object.getPrototypeOf(fields)).toBeNull();
  });
});

describe('datagram gate', () => {
  it('drops a datagram over the size limit whatever its source', () => {
    const gate = new DatagramGate({ now: () => 0 });
    expect(gate.admit(MAX_DISCOVERY_DATAGRAM_BYTES, '10.0.0.1')).toBe(true);
    expect(gate.admit(MAX_DISCOVERY_DATAGRAM_BYTES + 1, '10.0.0.2')).toBe(false);
    expect(gate.admit(65_507, '10.0.0.3')).toBe(false);
  });

  it('holds each source to its rate while others go on', () => {
    let now = 0;
    const gate = new DatagramGate({ perSecond: 2, burst: 3, now: () => now });
    const flood = Array.from({ length: 50 }, () => gate.admit(100, '10.0.0.66')).filter(Boolean).length;
    expect(flood).toBe(3);
    expect(gate.admit(100, '10.0.0.7')).toBe(true);
    now += 60_000;
    expect(gate.admit(100, '10.0.0.66')).toBe(true);
  });

  it('remembers a bounded number of sources (a spoofed flood from many addresses stays small)', () => {
    const gate = new DatagramGate({ maxSources: 4, burst: 1, perSecond: 0.001, now: () => 0 });
    for (let i = 0; i < 1000; i++) gate.admit(10, `10.1.${i >> 8}.${i & 255}`);
    expect((gate as unknown as { sources: Map<string, unknown> }).sources.size).toBe(4);
  });
});

describe('nearby table', () => {
  const heard = (fp: string, source: string, port = 8000, instance = '0123456789abcdef') => ({ announcement: { fingerprint: fp, port, instance }, source });

  it('keeps one entry per fingerprint and address, newest first; a new instance there counts as new', () => {
    let now = 0;
    const table = new NearbyTable(() => now);
    expect(table.heard(heard('AAAA', '10.0.0.1')).isNew).toBe(true);
    now = 1;
    expect(table.heard(heard('BBBB', '10.0.0.2')).isNew).toBe(true);
    now = 2;
    expect(table.heard(heard('AAAA', '10.0.0.1')).isNew).toBe(false);
    expect(table.list().map((e) => e.address)).toEqual(['10.0.0.1:8000', '10.0.0.2:8000']);
    expect(table.heard(heard('AAAA', '10.0.0.1', 8000, 'ffffffffffffffff')).isNew).toBe(true);
  });

  it('is bounded: the entry heard longest ago goes first', () => {
    const table = new NearbyTable(() => 0, 3);
    for (let i = 0; i < 10; i++) table.heard(heard(`F${i}`, `10.0.0.${i}`));
    expect(table.list().map((e) => e.fingerprint)).toEqual(['F9', 'F8', 'F7']);
  });

  it('drops entries not heard again within the expiry', () => {
    let now = 0;
    const table = new NearbyTable(() => now, 10, 1000);
    table.heard(heard('AAAA', '10.0.0.1'));
    now = 600;
    table.heard(heard('BBBB', '10.0.0.2'));
    now = 1200;
    expect(table.expire()).toBe(true);
    expect(table.list().map((e) => e.fingerprint)).toEqual(['BBBB']);
    expect(table.expire()).toBe(false);
  });

  it('formats an IPv6 source with brackets', () => {
    const table = new NearbyTable();
    expect(table.heard(heard('AAAA', 'fe80::1')).entry.address).toBe('[fe80::1]:8000');
  });
});
