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
  | 'closed';

export class DialError extends Error {
  override name = 'DialError';
  constructor(
    readonly code: DialFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Turns a socket error from dialing `address` into a DialError whose message a person understands. */
export function classifyDialError(err: unknown, address: string): DialError {
  if (err instanceof DialError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return new DialError('refused', `Nobody is listening at ${address}.`);
    case 'ETIMEDOUT':
      return new DialError('timeout', `${address} did not answer in time.`);
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
