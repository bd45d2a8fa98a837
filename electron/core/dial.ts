import type { Socket } from 'node:net';
import type { SessionKey } from '../../shared/ids';
import type { Connection, ConnectionMode } from './connection';
import { classifyDialError, DialError, NO_ANSWER_ADVICE } from './errors';
import type { InboundOptions } from './inbound';
import { PlainConnection } from './plain-connection';
import { StreamSocket } from './dht/stream-socket';
import { SecureConnection } from './secure-connection';

/** One way to reach a peer: a TCP address or a key on the DHT, opened on demand. */
export interface Transport {
  /** How sentences name it: `host:port`, or `the key 1a2b3c4d…`. */
  label: string;
  /** Opens the socket; it emits 'connect' once bytes can flow. */
  open: () => Socket;
  /** How long the transport may take to connect. */
  connectMs: number;
  /** A dial by key over the DHT: the session must prove this key (hex), or it fails. */
  expectedKey?: string;
  /** Over the DHT: whether a relay is set (what the doctor advises when no hole can be punched depends on it). */
  relaySet?: boolean;
}

export interface SessionRequest {
  /** The fingerprint the peer must show in the secure handshake (a nearby announcement's). */
  expectFingerprint?: string;
  mode: ConnectionMode;
  signal?: AbortSignal;
  sessionOptions: () => InboundOptions;
  /** Hands the new connection to the node, which takes its session in. */
  track: (connection: Connection) => void;
  /** The peer's current session once ours opened: the tie-break may have kept another one. */
  current: (key: SessionKey) => Connection | undefined;
}

export interface DialRequest extends SessionRequest {
  transport: Transport;
  /** The node's dials still connecting: ours counts there (in the node's own budget) until it connects. */
  pending: Set<Socket>;
}

/**
 * Dials one transport and resolves with the peer's open session (ours, or the one the tie-break kept); rejects
 * with a DialError a person can read. Cancelling destroys the socket until the session opens.
 */
export async function dial(request: DialRequest): Promise<Connection> {
  const socket = await connectTransport(request.transport, request.pending, request.signal);
  return runSession(socket, request.transport, request);
}

/**
 * Opens every transport at once and runs the session on the first that connects; the others are closed before
 * they carry a byte, so racing paths never make two sessions. Fails only when all fail, with each one's reason.
 */
export async function dialFirst(transports: Transport[], request: SessionRequest & { pending: Set<Socket> }): Promise<Connection> {
  const race = new AbortController();
  const forward = () => race.abort();
  request.signal?.addEventListener('abort', forward, { once: true });
  let winner: Socket | null = null;
  try {
    const attempts = transports.map((transport) =>
      connectTransport(transport, request.pending, race.signal).then((socket) => {
        if (winner !== null) {
          socket.destroy();
          throw new DialError('cancelled', `${transport.label} connected after another path.`);
        }
        winner = socket;
        race.abort();
        return { socket, transport };
      }),
    );
    let first: { socket: Socket; transport: Transport };
    try {
      first = await Promise.any(attempts);
    } catch (err) {
      throw combined((err as AggregateError).errors as DialError[], request.signal);
    }
    return await runSession(first.socket, first.transport, request);
  } finally {
    request.signal?.removeEventListener('abort', forward);
  }
}

/** Every path failed: one sentence for each, the DHT's first (it says most); a cancel says just that. */
function combined(errors: DialError[], signal?: AbortSignal): DialError {
  const cancelled = errors.find((error) => error.code === 'cancelled');
  if (signal?.aborted && cancelled) return cancelled;
  const reasons = errors.filter((error) => error.code !== 'cancelled');
  if (reasons.length === 0) return errors[0];
  const order = (error: DialError) => (error.code === 'not-on-dht' || error.code === 'unpunchable' || error.code === 'dht-off' ? 0 : 1);
  reasons.sort((a, b) => order(a) - order(b));
  if (reasons.length === 1) return reasons[0];
  return new DialError(reasons[0].code, reasons.map((error) => error.message).join(' '));
}

/** Connects `transport`'s socket, counted in `pending` until it connects; rejects with a DialError. */
export function connectTransport(transport: Transport, pending: Set<Socket>, signal?: AbortSignal): Promise<Socket> {
  const { label, connectMs } = transport;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelledDial(label));
    const socket = transport.open();
    pending.add(socket);
    let settled = false;
    const settle = (error: DialError | null) => {
      if (settled) return;
      settled = true;
      pending.delete(socket);
      clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('connect', onConnect);
      // The connection listens from the next microtask on; a late error before then (or of a loser) is its own.
      socket.on('error', () => {});
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve(socket);
      }
    };
    const onAbort = () => settle(cancelledDial(label));
    const onError = (err: Error) => settle(classifyDialError(err, label, transport.relaySet));
    const onClose = () => settle(new DialError('closed', `${label} closed the connection.`));
    const onConnect = () => settle(null);
    signal?.addEventListener('abort', onAbort, { once: true });
    const connectTimer = setTimeout(
      () => settle(new DialError('timeout', `${label} did not answer within ${Math.round(connectMs / 1000)} s: ${NO_ANSWER_ADVICE}`)),
      connectMs,
    );
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('connect', onConnect);
  });
}

function cancelledDial(label: string): DialError {
  return new DialError('cancelled', `Connecting to ${label} was cancelled.`);
}

/** Runs the session on a connected socket; from here on the connection explains its own end. */
function runSession(socket: Socket, transport: Transport, request: SessionRequest): Promise<Connection> {
  const { signal } = request;
  const { label } = transport;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: DialError | null, connection?: Connection) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(connection!);
    };
    const onAbort = () => {
      settle(cancelledDial(label));
      socket.destroy();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const connection = openSession(socket, request.mode, request.sessionOptions(), { key: transport.expectedKey, fingerprint: request.expectFingerprint });
    request.track(connection);
    const onOpen = () => settle(null, request.current(connection.peerKey!) ?? connection);
    if (connection.state === 'open') onOpen();
    else connection.once('open', onOpen);
    void connection.closed.then((reason) => {
      if (connection.failure) return settle(connection.failure);
      const survivor = connection.peerKey ? request.current(connection.peerKey) : undefined;
      if (survivor && survivor.state === 'open') return settle(null, survivor);
      settle(new DialError('closed', `${label} closed the connection (${reason}).`));
    });
  });
}

function openSession(socket: Socket, mode: ConnectionMode, opts: InboundOptions, expected: { key?: string; fingerprint?: string }): Connection {
  if (mode === 'plain') return new PlainConnection(socket, 'outbound', { limits: opts.limits, timeouts: opts.timeouts, channels: opts.channels });
  return new SecureConnection(socket, {
    direction: 'outbound',
    identity: opts.identity,
    localHello: opts.localHello,
    channels: opts.channels,
    limits: opts.limits,
    timeouts: opts.timeouts,
    deadlineAt: Date.now() + opts.timeouts.handshakeMs,
    expectedKey: expected.key,
    expectFingerprint: expected.fingerprint,
    ...(socket instanceof StreamSocket && { keyedStream: socket.stream }),
  });
}
