import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppServiceOptions } from '../../electron/core/app-service';
import type { FileEvents } from '../../electron/core/features/files/files';
import { FILES_CHANNEL } from '../../electron/core/features/files/codec';
import type { FilesMessage } from '../../electron/core/features/files/messages';
import { sessionKey } from '../../shared/ids';
import { connectApps, openApp, type OpenedApp } from './app';
import { tempDir, waitUntil } from './peers';

/** An app with its files feature's events recorded and a download folder of its own. */
export interface FilesApp extends OpenedApp {
  downloads: string;
  fileEvents: Array<{ event: keyof FileEvents; payload: Record<string, unknown> }>;
}

export async function openFilesApp(name: string, opts: Partial<AppServiceOptions> = {}): Promise<FilesApp> {
  const downloads = opts.files?.downloadDir ?? path.join(await tempDir(), 'Downloads');
  const app = await openApp({ name, ...opts, files: { ...opts.files, downloadDir: downloads } });
  const fileEvents: FilesApp['fileEvents'] = [];
  for (const event of ['offer', 'progress', 'file-done', 'failed', 'updated'] as const) {
    app.service.files.on(event, (payload: unknown) => fileEvents.push({ event, payload: payload as Record<string, unknown> }));
  }
  return { ...app, downloads, fileEvents };
}

export function fileEventsOf(app: FilesApp, event: keyof FileEvents): Array<Record<string, unknown>> {
  return app.fileEvents.filter((e) => e.event === event).map((e) => e.payload);
}

/** Two contacts, connected: Alice dialed Bob, and Bob accepted her. */
export async function filesPair(opts: { alice?: Partial<AppServiceOptions>; bob?: Partial<AppServiceOptions> } = {}) {
  const alice = await openFilesApp('Alice', opts.alice);
  const bob = await openFilesApp('Bob', opts.bob);
  const keys = await connectApps(alice, bob);
  return { alice, bob, ...keys };
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function fileSha256(file: string): Promise<string> {
  return sha256(await readFile(file));
}

/** A folder of `count` files of random sizes up to `maxBytes` (seeded by nothing: content is random bytes), in subfolders. */
export async function makeFolder(root: string, count: number, maxBytes: number, sizeOf?: (i: number) => number): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const relative = path.join(`sub${i % 3}`, `file-${i}.bin`);
    const bytes = randomBytes(sizeOf ? sizeOf(i) : Math.floor(Math.random() * maxBytes));
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), bytes);
    digests.set(relative, sha256(bytes));
  }
  return digests;
}

/** Every file under `root`, relative path → SHA-256 (part files included, so a test sees any left behind). */
export async function digestsUnder(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out.set(path.relative(root, full), await fileSha256(full));
  }
  return out;
}

export async function waitForTransfer(app: FilesApp, transfer: string, status: string, timeoutMs?: number): Promise<void> {
  await waitUntil(() => app.service.files.list().some((t) => t.transfer === transfer && t.status === status), `transfer ${status}`, timeoutMs);
}

export async function waitForOffer(app: FilesApp): Promise<string> {
  await waitUntil(() => fileEventsOf(app, 'offer').length > 0, 'an offer');
  return fileEventsOf(app, 'offer').at(-1)!.transfer as string;
}

/**
 * What one side puts on its files channel to `peer`, seen and held back: `hold(transfer)` stops the data of that
 * transfer (chunks, block digests, ends) where the sender hands it to the bulk lane, so its sending stops (as a
 * sender whose disk hangs), `release()` lets it go on, in order.
 */
export function tapFiles(app: OpenedApp, peer: string) {
  const session = app.service.node.session(sessionKey(peer), FILES_CHANNEL)!;
  const sent: FilesMessage[] = [];
  const held = new Map<string, { until: Promise<void>; release(): void }>();
  const send = session.send.bind(session);
  const sendBulk = session.sendBulk.bind(session);
  const idOf = (message: FilesMessage) => ('transfer' in message ? Buffer.from(message.transfer).toString('hex') : '');
  session.send = (message) => (sent.push(message), send(message));
  session.sendBulk = async (message) => {
    sent.push(message);
    if (message.type === 'chunk' || message.type === 'block' || message.type === 'end') await held.get(idOf(message))?.until;
    return sendBulk(message);
  };
  return {
    sent,
    wantsFor: (transfer: string) => sent.filter((m) => m.type === 'want' && idOf(m) === transfer).map((m) => (m as { epoch: number }).epoch),
    hold: (transfer: string) => {
      let release = () => {};
      const until = new Promise<void>((resolve) => (release = resolve));
      held.set(transfer, { until, release });
    },
    release: (transfer: string) => {
      held.get(transfer)?.release();
      held.delete(transfer);
    },
  };
}
