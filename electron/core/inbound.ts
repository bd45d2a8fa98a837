import type { Socket } from 'node:net';
import { PROTOCOL_VERSION, type PeerLimits, type PeerTimeouts } from '../../shared/protocol/limits';
import { encodePreface, PrefaceSniffer } from '../../shared/protocol/preface';
import type { ChannelRegistry } from './channels';
import type { Connection } from './connection';
import type { Identity } from './identity';
import { PlainConnection } from './plain-connection';
import { SecureConnection } from './secure-connection';
import type { HelloMessage } from '../../shared/protocol/messages';

export interface InboundOptions {
  identity: Identity;
  localHello: () => HelloMessage;
  limits: PeerLimits;
  timeouts: PeerTimeouts;
  allowPlain: () => boolean;
  channels: ChannelRegistry;
  /** A DHT arrival: the session must prove the key the DHT's handshake proved (hex). */
  expectedKey?: string;
}

/** A sentence for people who reach a Peerline that refuses plain text, with netcat say. */
const PLAIN_REFUSED_NOTICE = 'This Peerline accepts only encrypted Peerline connections.\n';

/**
 * Sniffs the first bytes of an accepted socket: the Peerline preface starts a secure session; anything else,
 * or silence until the sniff deadline, is a plain-text peer (if they are allowed). Resolves null when the socket
 * was turned away, with `reject` told why.
 */
export function classifyInbound(socket: Socket, opts: InboundOptions, reject: (reason: string) => void): Promise<Connection | null> {
  const acceptedAt = Date.now();
  const sniffer = new PrefaceSniffer();
  return new Promise((resolve) => {
    const finish = (connection: Connection | null) => {
      clearTimeout(sniffTimer);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(connection);
    };
    const turnAway = (reason: string, notice?: Uint8Array | string) => {
      reject(reason);
      if (notice) socket.end(notice);
      else socket.destroy();
      setTimeout(() => socket.destroy(), opts.timeouts.closeGraceMs).unref();
      finish(null);
    };
    const startPlain = (received: Uint8Array) => {
      if (!opts.allowPlain()) return turnAway('plain-text peers are not allowed', PLAIN_REFUSED_NOTICE);
      finish(new PlainConnection(socket, 'inbound', { limits: opts.limits, timeouts: opts.timeouts, channels: opts.channels, received }));
    };
    const onData = (chunk: Buffer) => {
      const result = sniffer.push(chunk);
      if (result.kind === 'need-more') return;
      socket.pause();
      if (result.kind === 'foreign') return startPlain(result.received);
      if (result.version !== PROTOCOL_VERSION) {
        // Tell the dialer which version we speak, so it can explain the mismatch to its user.
        return turnAway(`the peer speaks protocol version ${result.version}`, encodePreface());
      }
      finish(
        new SecureConnection(socket, {
          direction: 'inbound',
          identity: opts.identity,
          localHello: opts.localHello,
          channels: opts.channels,
          limits: opts.limits,
          timeouts: opts.timeouts,
          deadlineAt: acceptedAt + opts.timeouts.handshakeMs,
          leftover: result.rest,
          expectedKey: opts.expectedKey,
        }),
      );
    };
    let error: string | null = null;
    const onClose = () => {
      reject(error ?? 'closed before saying anything');
      finish(null);
    };
    const sniffTimer = setTimeout(() => {
      // A silent peer is a person at a netcat prompt; a half-sent preface is not.
      if (sniffer.buffered === 0) startPlain(new Uint8Array(0));
      else turnAway('incomplete preface');
    }, opts.timeouts.prefaceSniffMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    // The first error names the end: a reset, or the reason the node evicted the socket for.
    socket.on('error', (err) => (error ??= err.message));
  });
}
