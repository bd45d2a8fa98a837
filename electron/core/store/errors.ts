/** Why a store operation failed, as a code for programs and a sentence for people. */
export type StoreFailure =
  /** No message with that id in that conversation (a paging anchor). */
  | 'unknown-message'
  /** addOutgoing with an id that is already stored for that peer. */
  | 'duplicate-id'
  /** The store was written by a newer Peerline (a higher layout version); it was left as it is. */
  | 'too-new'
  /** Another process (another Peerline on the same data directory) has the store open. */
  | 'locked'
  /** The store was closed. */
  | 'closed'
  /** LevelDB reported damaged files while running; the store is repaired at the next start. */
  | 'corrupt'
  /** Reading or writing the store failed (disk full, permissions). */
  | 'io';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface LevelErrorShape {
  code?: string;
  cause?: { code?: string };
}

/** The LevelDB error code of `err` or of its cause (classic-level wraps open failures). */
export function levelCodes(err: unknown): string[] {
  const e = err as LevelErrorShape | undefined;
  return [e?.code, e?.cause?.code].filter((code): code is string => typeof code === 'string');
}

export function isCorruption(err: unknown): boolean {
  return levelCodes(err).includes('LEVEL_CORRUPTION');
}

export function isLocked(err: unknown): boolean {
  return levelCodes(err).includes('LEVEL_LOCKED');
}

/** A LevelDB failure at run time as a StoreError, keeping the original as the cause. */
export function storeFailure(err: unknown, doing: string): StoreError {
  if (err instanceof StoreError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (isCorruption(err)) return new StoreError('corrupt', `The message store is damaged (${detail}) while ${doing}; it will be repaired at the next start.`, { cause: err });
  return new StoreError('io', `The message store could not be used while ${doing}: ${detail}`, { cause: err });
}
