// Sends hand-made mDNS responses from inside a test's network namespace (run with `nsenter -t PID -n node`):
// argv[2] is the source address to send from, argv[3] a JSON list of datagrams, each
// { fingerprint, port, padBytes?, address? } (an announcement of `_peerline._tcp`) or { garbage: N } (N random
// bytes). Exits once all are sent.
'use strict';
const dgram = require('node:dgram');
const { randomBytes } = require('node:crypto');
const packet = require('dns-packet');

const [source, list] = [process.argv[2], JSON.parse(process.argv[3])];
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });

function announcement({ fingerprint, port, padBytes = 0, address }, index) {
  const instance = (index + 1).toString(16).padStart(16, '0');
  const fqdn = `${instance}._peerline._tcp.local`;
  const txt = [`v=1`, `fp=${fingerprint}`, `id=${instance}`];
  // Padding: more TXT strings (each at most 255 bytes), so the datagram is valid but long.
  for (let left = padBytes; left > 0; left -= 200) txt.push(`p=${'x'.repeat(Math.min(200, left))}`);
  return packet.encode({
    type: 'response',
    flags: packet.AUTHORITATIVE_ANSWER,
    answers: [{ name: '_peerline._tcp.local', type: 'PTR', ttl: 4500, data: fqdn }],
    additionals: [
      { name: fqdn, type: 'SRV', ttl: 120, data: { port, target: `${instance}.local` } },
      { name: fqdn, type: 'TXT', ttl: 4500, data: txt },
      ...(address ? [{ name: `${instance}.local`, type: 'A', ttl: 120, data: address }] : []),
    ],
  });
}

socket.bind(0, source, async () => {
  socket.setMulticastInterface(source);
  for (const [index, item] of list.entries()) {
    const bytes = item.garbage ? randomBytes(item.garbage) : announcement(item, index);
    await new Promise((resolve) => socket.send(bytes, 5353, '224.0.0.251', resolve));
  }
  socket.close();
});
