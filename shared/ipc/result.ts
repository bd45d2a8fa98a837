/**
 * Every invoke answers with a Result envelope, never a thrown error across the process boundary: the renderer
 * always gets a code it can branch on and a sentence it can show.
 */
export const ERROR_CODES = [
  'invalid-request',
  'unknown-channel',
  'not-connected',
  'unknown-peer',
  'message-invalid',
  'name-invalid',
  'unknown-message',
  'message-not-cancellable',
  'store-failed',
  'listen-failed',
  'dial-refused',
  'dial-timeout',
  'dial-unreachable',
  'dial-not-found',
  'dial-not-peerline',
  'dial-version',
  'dial-handshake',
  'dial-unexpected-key',
  'dial-cancelled',
  'dial-limit',
  'dial-closed',
  'unknown-group',
  'group-refused',
  'dial-not-on-dht',
  'dial-unpunchable',
  'dial-dht-off',
  'file-invalid',
  'unknown-transfer',
  'disk-full',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorShape {
  code: ErrorCode;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

/** An error meant for the person at the screen: the transport turns it into `{ ok: false, error }`. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string): Result<never> => ({ ok: false, error: { code, message } });
