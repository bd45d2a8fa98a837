/**
 * The apps of the files bench (section 11), here so that the receiver thread or process (remote.ts) opens the same
 * ones: an AppService on 127.0.0.1 with its store and download folder in temporary directories.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { AppService } from '../../electron/core/app-service';
import { tempDir } from '../helpers/peers';

const FAST = { reconnectInitialMs: 50, reconnectMaxMs: 400 };

/** An app that receives into `downloads` (a fresh folder unless given); with `autoAccept` it takes every offer by itself. */
export async function openFilesBenchApp(name: string, opts: { downloadDir?: string; autoAccept?: boolean } = {}): Promise<{ app: AppService; downloads: string }> {
  const downloads = opts.downloadDir ?? path.join(await tempDir('peerline-bench-'), 'Downloads');
  const app = await AppService.open({
    dataDir: await tempDir('peerline-bench-'),
    appVersion: 'bench',
    host: '127.0.0.1',
    port: 0,
    name,
    timeouts: FAST,
    files: { downloadDir: downloads, ...(opts.autoAccept && { autoAcceptBytes: Number.MAX_SAFE_INTEGER }) },
  });
  return { app, downloads };
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
