/**
 * The messages of the `files/1` channel. A transfer is named by 16 random bytes the sender picks. The receiver
 * pulls: it asks (`want`) for ranges of blocks, a window ahead of what it has verified, and the sender answers on
 * the bulk lane with the chunks of each block, then the block's digest, and after a file's last block the file's
 * digest (`end`). Every want carries an epoch; the receiver starts a new one whenever it asks anew (a new
 * session, a stall, a resume), and what the sender sent for an older epoch is dropped unread.
 */

export const enum FilesType {
  Offer = 1,
  Accept = 2,
  Decline = 3,
  Want = 4,
  Chunk = 5,
  Block = 6,
  End = 7,
  Done = 8,
  Cancel = 9,
  Pause = 10,
}

/** One file of an offer: its path relative to what the person sent (`photos/2024/a.jpg`), and its size. */
export interface OfferItem {
  path: string;
  size: number;
  /** 0: a regular file. Anything else (a symbolic link, say) is refused by this version. */
  kind: number;
}

/**
 * An offer goes in parts (a folder of 10,000 files does not fit one message), all sent at once with no answer
 * in between; `first` is the index of the part's first item, and the last part has `last`.
 */
export interface OfferPart {
  type: 'offer';
  transfer: Uint8Array;
  algorithm: string;
  blockBytes: number;
  itemCount: number;
  totalBytes: number;
  first: number;
  last: boolean;
  items: OfferItem[];
}

export interface WantRange {
  item: number;
  block: number;
  count: number;
}

export type FilesMessage =
  | OfferPart
  | { type: 'accept'; transfer: Uint8Array }
  | { type: 'decline'; transfer: Uint8Array; reason: string }
  /** Asks for blocks; a new epoch replaces whatever the sender still had to send for the transfer. */
  | { type: 'want'; transfer: Uint8Array; epoch: number; ranges: WantRange[] }
  /** Bulk: bytes of a file at `offset`, for the want of `epoch`. */
  | { type: 'chunk'; transfer: Uint8Array; epoch: number; item: number; offset: number; data: Uint8Array }
  /** Bulk: the SHA-256 of block `block` of the item, after its chunks. */
  | { type: 'block'; transfer: Uint8Array; epoch: number; item: number; block: number; digest: Uint8Array }
  /** Bulk: after an item's last block, the item's digest (SHA-256 over its blocks' digests). */
  | { type: 'end'; transfer: Uint8Array; epoch: number; item: number; digest: Uint8Array }
  /** The receiver has every file, verified and in place. */
  | { type: 'done'; transfer: Uint8Array }
  | { type: 'cancel'; transfer: Uint8Array; reason: string }
  /** Either side paused (or resumed) the transfer; `reason` says why (the person, a full disk). */
  | { type: 'pause'; transfer: Uint8Array; paused: boolean; reason: string };
