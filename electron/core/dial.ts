import net, { type Socket } from 'node:net';
import { formatAddress } from '../../shared/address';
import type { SessionKey } from '../../shared/ids';
import type { Connection, ConnectionMode } from './connection';
import { classifyDialError, DialError } from './errors';
import type { InboundOptions } from './inbound';
import { PlainConnection } from './plain-connection';
import { SecureConnection } from './secure-connection';

export interface DialRequest {
  host: string;
  port: number;
  mode: ConnectionMode;
  signal?: AbortSignal;
  /** The fingerprint the peer must show in the secure handshake (a nearby announcement's). */
  expectFingerprint?: string;
  /** The node's dials still connecting: ours counts there (in the node's own budget) until TCP connects. */
  pending: Set<Socket>;
  sessionOptions: () => InboundOptions;
  /** Hands the new connection to the node, which takes its session in. */
  track: (connection: Connection) => void;
  /** The peer's current session once ours opened: the tie-break may have kept another one. */
  current: (key: SessionKey) => Connection | undefined;
}

/**
 * Dials `host:port` and resolves with the peer's open session (ours, or the one the tie-break kept); rejects with
 * a DialError a person can read. Until the session opens, cancelling destroys the socket, whether TCP or the
 * handshake is under way; TCP has its own deadline, the handshake the session's.
 */
export function dial(request: DialRequest): Promise<Connection> {
  const { host, port, mode, signal, pending } = request;
  const address = formatAddress(host, port);
  const { timeouts } = request.sessionOptions();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    pending.add(socket);
    let settled = false;
    const settle = (error: DialError | null, connection?: Connection) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(connection!);
    };
    const fail = (error: DialError) => {
      settle(error);
      socket.destroy();
    };
    const onAbort = () => fail(new DialError('cancelled', `Connecting to ${address} was cancelled.`));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const connectTimer = setTimeout(
      () => fail(new DialError('timeout', `${address} did not answer within ${Math.round(timeouts.connectMs / 1000)} s.`)),
      timeouts.connectMs,
    );
    const onError = (err: Error) => settle(classifyDialError(err, address));
    const onClose = () => {
      pending.delete(socket);
      settle(new DialError('closed', `${address} closed the connection.`));
    };
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('connect', () => {
      pending.delete(socket);
      // From here on the connection explains its own end, and its handshake deadline applies.
      socket.off('error', onError);
      socket.off('close', onClose);
      clearTimeout(connectTimer);
      if (settled) return;
      const connection = openSession(socket, mode, request.sessionOptions(), request.expectFingerprint);
      request.track(connection);
      const onOpen = () => settle(null, request.current(connection.peerKey!) ?? connection);
      if (connection.state === 'open') onOpen();
      else connection.once('open', onOpen);
      void connection.closed.then((reason) => {
        if (connection.failure) return settle(connection.failure);
        const survivor = connection.peerKey ? request.current(connection.peerKey) : undefined;
        if (survivor && survivor.state === 'open') return settle(null, survivor);
        settle(new DialError('closed', `${address} closed the connection (${reason}).`));
      });
    });
  });
}

function openSession(socket: Socket, mode: ConnectionMode, opts: InboundOptions, expectFingerprint?: string): Connection {
  if (mode === 'plain') return new PlainConnection(socket, 'outbound', { limits: opts.limits, timeouts: opts.timeouts, channels: opts.channels });
  return new SecureConnection(socket, {
    direction: 'outbound',
    identity: opts.identity,
    localHello: opts.localHello,
    channels: opts.channels,
    limits: opts.limits,
    timeouts: opts.timeouts,
    deadlineAt: Date.now() + opts.timeouts.handshakeMs,
    expectFingerprint,
  });
}
