/** Every limit and deadline of file transfer (`files/1`), in one place. */

/** Largest name of one file or folder, in UTF-8 bytes (what ext4, APFS and NTFS all take). */
export const MAX_FILE_NAME_BYTES = 255;
/** Largest relative path of one item of an offer, in UTF-8 bytes, and how many folders deep it may go. */
export const MAX_PATH_BYTES = 4096;
export const MAX_PATH_DEPTH = 32;
/** Partial data of `name` lives in `.name.peerline-part` next to where `name` will be. */
export const PART_FILE_SUFFIX = '.peerline-part';

/** Largest number of items (files) in one offer: a folder of 10,000 files goes as one offer. */
export const MAX_OFFER_ITEMS = 50_000;
/** Largest declared size of one file: every byte offset must be an exact double. */
export const MAX_FILE_BYTES = Number.MAX_SAFE_INTEGER;
/** Offers from one contact waiting for an answer; more are declined at once (an offer flood costs no disk). */
export const MAX_PENDING_OFFERS_PER_PEER = 16;

/** The integrity algorithm this version speaks, named in every offer so a faster one can be negotiated later. */
export const HASH_ALGORITHM = 'sha256-blocks';
/** Bytes per verified block: each block carries its SHA-256; a file's digest is the SHA-256 of its blocks' digests. */
export const BLOCK_BYTES = 1024 * 1024;
export const DIGEST_BYTES = 32;
/** Data bytes per chunk frame on the bulk lane (a frame stays well under the protocol's message cap). */
export const CHUNK_BYTES = 64 * 1024;

/**
 * What the receiver asks for ahead of what it has verified, over all files of a transfer: this many bytes, and at
 * most this many blocks (a folder of small files keeps many files on the way, so their syncs overlap).
 */
export const WANT_AHEAD_BYTES = 8 * 1024 * 1024;
export const MAX_WANT_AHEAD_BLOCKS = 256;
/** Verified blocks are synced and recorded once this many bytes wait, so a crash re-sends at most about this much. */
export const SYNC_EVERY_BYTES = 4 * 1024 * 1024;
/**
 * Received bytes handed to the disk and not yet written, per transfer, before the sender's credit waits for the
 * disk: enough to keep the disk busy while the next chunks come, small enough to bound memory.
 */
export const MAX_UNWRITTEN_BYTES = 4 * 1024 * 1024;
/** A block whose digest does not match is asked for again this many times before its file is failed. */
export const MAX_BLOCK_RETRIES = 3;

/** An accepted transfer with an open session and nothing arriving for this long is stalled, and asked again. */
export const STALL_MS = 10_000;
/** Stalls in a row (no byte in between) after which a transfer fails: a sender that never sends. */
export const MAX_STALLS = 6;
/** While paused for a full disk, free space is looked at this often. */
export const DISK_FULL_RETRY_MS = 2_000;
/** The deadlines of file transfer, one object so that tests can give short ones (FilesOptions.timeouts). */
export interface FileTimeouts {
  stallMs: number;
  maxStalls: number;
  diskFullRetryMs: number;
}
export const DEFAULT_FILE_TIMEOUTS: Readonly<FileTimeouts> = { stallMs: STALL_MS, maxStalls: MAX_STALLS, diskFullRetryMs: DISK_FULL_RETRY_MS };

/** Free space kept beyond what a transfer needs, so accepting a transfer never fills a disk to the last byte. */
export const FREE_SPACE_MARGIN_BYTES = 64 * 1024 * 1024;
/** Progress events per transfer per second, at most. */
export const PROGRESS_PER_SECOND = 4;
