/** Why a dial failed, as a code for programs and a sentence for people. */
export type DialFailure =
  | 'refused'
  | 'timeout'
  | 'unreachable'
  | 'not-found'
  | 'not-peerline'
  | 'version'
  | 'handshake'
  | 'unexpected-key'
  | 'cancelled'
  | 'limit'
  | 'closed'
  | 'not-on-dht'
  | 'unpunchable'
  | 'dht-off';

export class DialError extends Error {
  override name = 'DialError';
  constructor(
    readonly code: DialFailure,
    message: string,
  ) {
    super(message);
  }
}

/** What to try when a dial gets no answer at all. */
export const NO_ANSWER_ADVICE = 'a firewall may be dropping the connection, or the machine is off. Check the address, or connect by key.';

/** What to set when two NATs cannot be punched and no relay is set (there is none by default). */
export const SET_A_RELAY_ADVICE = 'Set a DHT relay (Settings, or --dht-relay KEY: the key of a blind relay someone you trust runs; there is none by default), try from another network (a phone hotspot), or forward a port on one side and connect by address.';

/**
 * Turns a socket error from dialing `address` into a DialError whose message a person understands; `relaySet`:
 * a DHT relay was set for this dial.
 */
export function classifyDialError(err: unknown, address: string, relaySet = false): DialError {
  if (err instanceof DialError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return new DialError('refused', `Nobody is listening at ${address}.`);
    case 'ETIMEDOUT':
      return new DialError('timeout', `${address} did not answer in time: ${NO_ANSWER_ADVICE}`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return new DialError('unreachable', `${address} cannot be reached from this network.`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new DialError('not-found', `The name in ${address} was not found.`);
    case 'PEER_NOT_FOUND':
    case 'PEER_CONNECTION_FAILED':
      return new DialError(
        'not-on-dht',
        `${address} is not on the DHT: the contact is offline, or has "Reachable over the internet by my key" turned off. Ask them to turn it on, or connect by address on your network.`,
      );
    case 'HOLEPUNCH_DOUBLE_RANDOMIZED_NATS':
    case 'CANNOT_HOLEPUNCH':
    case 'REMOTE_NOT_HOLEPUNCHABLE':
    case 'REMOTE_NOT_HOLEPUNCHING':
    case 'HOLEPUNCH_ABORTED':
    case 'HOLEPUNCH_PROBE_TIMEOUT':
    case 'HOLEPUNCH_INVALID':
      return new DialError(
        'unpunchable',
        relaySet
          ? `${address} was found on the DHT, but both of you are behind NATs that cannot be punched through, and the relay did not carry the connection either. Check that the relay is running, or forward a port on one side and connect by address.`
          : `${address} was found on the DHT, but both of you are behind NATs that cannot be punched through: a relay is needed. ${SET_A_RELAY_ADVICE}`,
      );
    case 'RELAY_ABORTED':
      return new DialError(
        'unpunchable',
        `${address} was found on the DHT, but no hole could be punched and the relay did not pair the two of you within 15 s (the relay is offline, or refuses us). Check the relay's key, or forward a port on one side and connect by address.`,
      );
    case 'HANDSHAKE_UNFINISHED':
    case 'HANDSHAKE_INVALID':
    case 'BAD_HANDSHAKE_REPLY':
    case 'SERVER_INCOMPATIBLE':
    case 'SERVER_ERROR':
      return new DialError('handshake', `${address} was found on the DHT, but the DHT's handshake with it failed (${code}).`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new DialError('closed', `${address} closed the connection.`);
    default:
      return new DialError('closed', `Could not connect to ${address}: ${(err as Error | undefined)?.message ?? 'unknown error'}.`);
  }
}

/** A request this peer cannot carry out, said in words for the person who made it. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    readonly reason: 'invalid-name' | 'invalid-message' | 'not-connected',
    message: string,
  ) {
    super(message);
  }
}
