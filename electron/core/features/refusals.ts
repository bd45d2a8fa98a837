import { AppError, type ErrorCode } from '../../../shared/ipc/result';
import { DialError, UserError } from '../errors';
import { StoreError } from '../store/store';

const ERROR_CODE_OF: Record<UserError['reason'], ErrorCode> = {
  'invalid-name': 'name-invalid',
  'invalid-message': 'message-invalid',
  'not-connected': 'not-connected',
};

/** Rethrows the peer's, the dialer's and the store's refusals of a user action as AppErrors, with the sentence intact. */
export function rethrowForPeople(err: unknown): never {
  if (err instanceof UserError) throw new AppError(ERROR_CODE_OF[err.reason], err.message);
  if (err instanceof DialError) throw new AppError(`dial-${err.code}` as ErrorCode, err.message);
  if (err instanceof StoreError) throw new AppError(err.code === 'unknown-message' ? 'unknown-message' : 'store-failed', err.message);
  throw err;
}
