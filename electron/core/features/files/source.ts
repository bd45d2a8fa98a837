/**
 * What the person sends, read from the local disk: one file, or a folder walked without following symbolic
 * links (links and special files are left out and counted). Every name is made portable (names.ts) so the
 * receiver's checks pass; two entries of one folder that would be one name on some system (case, NFC/NFD, or
 * made alike by the portable spelling) go under distinct names, `name (1).ext`, rather than the folder refused.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MAX_FILE_BYTES, MAX_OFFER_ITEMS } from '../../../../shared/files/limits';
import { checkOfferPaths, distinctSegment, portableSegment } from '../../../../shared/files/names';
import { AppError } from '../../../../shared/ipc/result';

export interface SourceItem {
  /** Relative path in the offer, portable. */
  path: string;
  size: number;
  /** The local file. */
  source: string;
}

export interface ScannedSource {
  items: SourceItem[];
  totalBytes: number;
  /** Symbolic links and special files left out. */
  skipped: number;
}

export async function scanSource(local: string): Promise<ScannedSource> {
  const absolute = path.resolve(local);
  const stats = await fs.lstat(absolute).catch(() => {
    throw new AppError('file-invalid', `There is no file or folder at ${local}.`);
  });
  const items: SourceItem[] = [];
  let skipped = 0;
  const top = portableSegment(path.basename(absolute));
  if (stats.isFile()) items.push({ path: top, size: stats.size, source: absolute });
  else if (stats.isDirectory()) skipped = await walk(absolute, top, items);
  else throw new AppError('file-invalid', `${local} is neither a file nor a folder (a link or a device is not sent).`);
  if (items.length === 0) throw new AppError('file-invalid', `${local} holds no file to send.`);
  const names = checkOfferPaths(items.map((item) => item.path));
  if (!names.ok) throw new AppError('file-invalid', `${local} cannot be sent as it is: ${names.reason}.`);
  const totalBytes = items.reduce((sum, item) => sum + item.size, 0);
  if (totalBytes > MAX_FILE_BYTES) throw new AppError('file-invalid', `${local} is too large to send.`);
  return { items, totalBytes, skipped };
}

/** Adds the regular files under `dir` (depth first, names sorted); returns how many entries were left out. */
async function walk(dir: string, prefix: string, items: SourceItem[]): Promise<number> {
  let skipped = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const taken = new Set<string>();
  for (const entry of entries) {
    const local = path.join(dir, entry.name);
    const offered = `${prefix}/${distinctSegment(portableSegment(entry.name), taken)}`;
    if (entry.isDirectory()) skipped += await walk(local, offered, items);
    else if (entry.isFile()) {
      if (items.length >= MAX_OFFER_ITEMS) throw new AppError('file-invalid', `A folder of more than ${MAX_OFFER_ITEMS} files cannot go in one offer.`);
      const stats = await fs.lstat(local);
      items.push({ path: offered, size: stats.size, source: local });
    } else skipped++;
  }
  return skipped;
}
