import { randomBytes } from 'node:crypto';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeDisk } from '../../electron/core/features/files/disk';
import { fileDigest } from '../../electron/core/features/files/receive-plan';
import { FREE_SPACE_MARGIN_BYTES, SYNC_EVERY_BYTES, WANT_AHEAD_BYTES } from '../../shared/files/limits';
import { FAST_RECONNECT } from '../helpers/app';
import { digestsUnder, fileEventsOf, fileSha256, filesPair, makeFolder, openFilesApp, sha256, waitForOffer, waitForTransfer } from '../helpers/files';
import { cleanUp, tempDir, waitUntil } from '../helpers/peers';

afterEach(cleanUp);

async function fileOf(bytes: Uint8Array, name = 'report.pdf'): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, bytes);
  return file;
}

describe('files between two contacts over 127.0.0.1', () => {
  it('sends a file: offered, accepted, in place under its name with the sender’s bytes, done on both sides', async () => {
    const { alice, bob, bobKey, aliceKey } = await filesPair();
    const bytes = randomBytes(3 * 1024 * 1024 + 12345);
    const sent = await alice.service.files.send(bobKey, await fileOf(bytes));
    const transfer = await waitForOffer(bob);
    expect(transfer).toBe(sent.transfer);
    expect(fileEventsOf(bob, 'offer')[0]).toMatchObject({ peer: aliceKey, items: [{ name: 'report.pdf', size: bytes.length }], total: bytes.length });
    await bob.service.files.accept(transfer);
    await waitForTransfer(bob, transfer, 'done');
    await waitForTransfer(alice, transfer, 'done');
    const target = path.join(bob.downloads, 'report.pdf');
    expect(await fileSha256(target)).toBe(sha256(bytes));
    expect(await readdir(bob.downloads)).toEqual(['report.pdf']); // no part file left
    const done = fileEventsOf(bob, 'file-done')[0]!;
    expect(done.path).toBe(target);
    const blocks = [];
    for (let at = 0; at < bytes.length; at += 1024 * 1024) blocks.push(Buffer.from(sha256(bytes.subarray(at, at + 1024 * 1024)), 'hex'));
    expect(done.sha256).toBe(Buffer.from(fileDigest(blocks)).toString('hex'));
    expect(fileEventsOf(alice, 'progress').at(-1)).toMatchObject({ bytes: bytes.length, total: bytes.length });
  });

  it('sends a folder in one offer: every file in a fresh folder, subfolders kept; links left out', async () => {
    const { alice, bob, bobKey } = await filesPair();
    const root = path.join(await tempDir(), 'photos');
    const digests = await makeFolder(root, 40, 200_000);
    await writeFile(path.join(root, 'empty.txt'), '');
    digests.set('empty.txt', sha256(new Uint8Array()));
    await symlink('/etc/passwd', path.join(root, 'link'));
    await mkdir(path.join(bob.downloads, 'photos'), { recursive: true }); // taken: the folder becomes "photos (1)"
    const sent = await alice.service.files.send(bobKey, root);
    expect(sent.files).toBe(41);
    const transfer = await waitForOffer(bob);
    await bob.service.files.accept(transfer);
    await waitForTransfer(bob, transfer, 'done');
    expect(await digestsUnder(path.join(bob.downloads, 'photos (1)'))).toEqual(digests);
    expect(fileEventsOf(bob, 'file-done')).toHaveLength(41);
  });

  it('a folder whose names collide on some systems (case, NFC/NFD) goes whole: the sender numbers one of each pair', async () => {
    const { alice, bob, bobKey } = await filesPair();
    const root = path.join(await tempDir(), 'mixed');
    await mkdir(path.join(root, 'Docs'), { recursive: true });
    await mkdir(path.join(root, 'docs'));
    const contents: Record<string, string> = { 'Photo.jpg': 'upper', 'photo.jpg': 'lower', 'caf\u00e9.txt': 'nfc', 'cafe\u0301.txt': 'nfd', 'Docs/a.txt': 'in Docs', 'docs/a.txt': 'in docs' };
    for (const [name, text] of Object.entries(contents)) await writeFile(path.join(root, name), text);
    const sent = await alice.service.files.send(bobKey, root);
    expect(sent.files).toBe(6);
    const transfer = await waitForOffer(bob);
    expect((fileEventsOf(bob, 'offer')[0]!.items as Array<{ name: string }>).map((item) => item.name).sort()).toEqual(
      ['mixed/Docs/a.txt', 'mixed/Photo.jpg', 'mixed/cafe\u0301.txt', 'mixed/caf\u00e9 (1).txt', 'mixed/docs (1)/a.txt', 'mixed/photo (1).jpg'].sort(),
    );
    await bob.service.files.accept(transfer);
    await waitForTransfer(bob, transfer, 'done');
    const received = await digestsUnder(path.join(bob.downloads, 'mixed'));
    expect(received).toEqual(
      new Map([
        ['Docs/a.txt', sha256(Buffer.from('in Docs'))],
        ['docs (1)/a.txt', sha256(Buffer.from('in docs'))],
        ['Photo.jpg', sha256(Buffer.from('upper'))],
        ['photo (1).jpg', sha256(Buffer.from('lower'))],
        ['cafe\u0301.txt', sha256(Buffer.from('nfd'))], // NFD sorts first (e < é)
        ['caf\u00e9 (1).txt', sha256(Buffer.from('nfc'))],
      ]),
    );
  });

  it('never overwrites: a file of the same name already there makes it "name (1).ext"', async () => {
    const { alice, bob, bobKey } = await filesPair();
    await mkdir(bob.downloads, { recursive: true });
    await writeFile(path.join(bob.downloads, 'report.pdf'), 'mine');
    const bytes = randomBytes(1000);
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(bytes));
    await waitForOffer(bob);
    await bob.service.files.accept(transfer);
    await waitForTransfer(bob, transfer, 'done');
    expect((await readdir(bob.downloads)).sort()).toEqual(['report (1).pdf', 'report.pdf']);
    expect(await fileSha256(path.join(bob.downloads, 'report (1).pdf'))).toBe(sha256(bytes));
  });

  it('declined: the sender is told, nothing is written', async () => {
    const { alice, bob, bobKey } = await filesPair();
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(randomBytes(10)));
    await waitForOffer(bob);
    await bob.service.files.decline(transfer);
    await waitForTransfer(alice, transfer, 'declined');
    await expect(readdir(bob.downloads)).rejects.toThrow();
  });

  it('refuses to accept when the free space is short, with a sentence', async () => {
    const full = { ...nodeDisk, freeBytes: async () => FREE_SPACE_MARGIN_BYTES + 5 };
    const { alice, bob, bobKey } = await filesPair({ bob: { files: { disk: full } } });
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(randomBytes(100)));
    await waitForOffer(bob);
    expect(fileEventsOf(bob, 'offer')[0]!.freeBytes).toBe(FREE_SPACE_MARGIN_BYTES + 5);
    await expect(bob.service.files.accept(transfer)).rejects.toThrow(/not enough space.*need 100 bytes/);
  });

  it('chat is not queued behind a transfer: a message goes while a file is on the way', async () => {
    const { alice, bob, bobKey } = await filesPair();
    // Large enough that the transfer outlasts a chat round even on a fast machine (24 MiB was done first once, here under load).
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(randomBytes(96 * 1024 * 1024)));
    await waitForOffer(bob);
    await bob.service.files.accept(transfer);
    await waitUntil(() => fileEventsOf(bob, 'progress').length > 1, 'the transfer runs');
    const message = await alice.handlers['message:send']({ peer: bobKey, text: 'while sending' });
    await waitUntil(() => bob.events.some((e) => e.event === 'message:received' && (e.payload as { id: string }).id === message.id), 'the chat arrives');
    const progressNow = bob.service.files.list()[0]!;
    expect(progressNow.status).toBe('receiving'); // it arrived before the transfer finished
    await waitForTransfer(bob, transfer, 'done', 30_000);
  });

  it('resumes after the receiver restarts: verified blocks are not asked for again', async () => {
    const bobDir = await tempDir();
    const downloads = path.join(await tempDir(), 'Downloads');
    const { alice, bob, bobKey } = await filesPair({ alice: { timeouts: FAST_RECONNECT }, bob: { dataDir: bobDir, files: { downloadDir: downloads } } });
    const bytes = randomBytes(40 * 1024 * 1024);
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(bytes, 'big.bin'));
    await waitForOffer(bob);
    await bob.service.files.accept(transfer);
    await waitUntil(() => ((bob.service.files.list()[0]?.bytes as number) ?? 0) >= 12 * 1024 * 1024, 'a part arrived', 30_000);
    await bob.service.close();
    const verifiedBefore = (await openStoreBlocks(bobDir, transfer)).length;
    expect(verifiedBefore).toBeGreaterThan(4);
    const bob2 = await openFilesApp('Bob', { dataDir: bobDir, port: bob.service.node.port, files: { downloadDir: downloads } });
    const restored = bob2.service.files.list()[0]!;
    expect(restored.bytes).toBe(verifiedBefore * 1024 * 1024);
    await waitForTransfer(bob2, transfer, 'done', 30_000);
    await waitForTransfer(alice, transfer, 'done');
    expect(await fileSha256(path.join(downloads, 'big.bin'))).toBe(sha256(bytes));
    // Only what was missing was asked for again: at most the blocks not yet synced (up to two sync steps) and those asked ahead.
    expect(alice.service.files.sentBytes(transfer)).toBeLessThanOrEqual(bytes.length + (2 * SYNC_EVERY_BYTES + WANT_AHEAD_BYTES));
    // The receiver started again hashed what was not verified before (a block asked anew after a stall is hashed anew),
    // and no byte of a block verified before the restart.
    const hashing = bob2.service.files.hashing(transfer);
    expect(hashing.hashedBytes).toBeGreaterThanOrEqual(bytes.length - verifiedBefore * 1024 * 1024);
    expect(hashing.rehashedBytes).toBe(0);
  });

  it('an offer to an offline contact waits, across a restart of the sender, and goes when the contact is back', async () => {
    const aliceDir = await tempDir();
    const bobDir = await tempDir();
    const downloads = path.join(await tempDir(), 'Downloads');
    const { alice, bob, bobKey } = await filesPair({ alice: { dataDir: aliceDir, timeouts: FAST_RECONNECT }, bob: { dataDir: bobDir, files: { downloadDir: downloads } } });
    const bobPort = bob.service.node.port;
    await bob.service.close();
    await waitUntil(() => !alice.service.node.isConnected(bobKey as never), 'Bob is gone');
    const bytes = randomBytes(300_000);
    const { transfer, status } = await alice.service.files.send(bobKey, await fileOf(bytes));
    expect(status).toBe('waiting');
    await alice.service.close();
    const alice2 = await openFilesApp('Alice', { dataDir: aliceDir, timeouts: FAST_RECONNECT });
    expect(alice2.service.files.list()).toEqual([expect.objectContaining({ transfer, status: 'waiting' })]);
    const bob2 = await openFilesApp('Bob', { dataDir: bobDir, port: bobPort, files: { downloadDir: downloads } });
    expect(await waitForOffer(bob2)).toBe(transfer);
    await bob2.service.files.accept(transfer);
    await waitForTransfer(alice2, transfer, 'done');
    expect(await fileSha256(path.join(downloads, 'report.pdf'))).toBe(sha256(bytes));
  });

  it('a write that fails on a file’s last block never puts the file in place with a hole: it is received again and verifies', async () => {
    const bytes = randomBytes(2 * 1024 * 1024 + 5000);
    let refusals = 0;
    const disk = {
      ...nodeDisk,
      write: async (...args: Parameters<typeof nodeDisk.write>) => {
        // The last block's one write fails once, the disk full for a moment: the file's end is already on its way.
        if (args[2] === 2 * 1024 * 1024 && refusals++ === 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        return nodeDisk.write(...args);
      },
    };
    const { alice, bob, bobKey } = await filesPair({ bob: { files: { disk, timeouts: { diskFullRetryMs: 100 } } } });
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(bytes, 'last.bin'));
    await waitForOffer(bob);
    await bob.service.files.accept(transfer);
    await waitForTransfer(bob, transfer, 'done', 30_000);
    expect(refusals).toBe(2); // refused once, then written: no third write was needed
    expect(await fileSha256(path.join(bob.downloads, 'last.bin'))).toBe(sha256(bytes));
    expect(await readdir(bob.downloads)).toEqual(['last.bin']);
  });

  it('a full disk pauses the transfer on both sides, and it resumes by itself once there is space, re-sending no verified block', async () => {
    let full = false;
    let writesRefused = 0;
    const disk = {
      ...nodeDisk,
      write: async (...args: Parameters<typeof nodeDisk.write>) => {
        if (full) {
          writesRefused++;
          throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        }
        return nodeDisk.write(...args);
      },
      freeBytes: async () => (full ? 0 : 10 * 1024 ** 3),
    };
    const { alice, bob, bobKey } = await filesPair({ bob: { files: { disk } } });
    const bytes = randomBytes(30 * 1024 * 1024);
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(bytes, 'big.bin'));
    await waitForOffer(bob);
    await bob.service.files.accept(transfer);
    await waitUntil(() => (bob.service.files.list()[0]!.bytes as number) >= 4 * 1024 * 1024, 'a part arrived', 30_000);
    full = true;
    await waitForTransfer(bob, transfer, 'paused', 20_000);
    await waitForTransfer(alice, transfer, 'paused');
    expect(writesRefused).toBeGreaterThan(0);
    expect(bob.service.files.list()[0]!.paused).toEqual(['disk']);
    expect(alice.service.files.list()[0]!.paused).toEqual(['peer']);
    const verified = bob.service.files.list()[0]!.bytes;
    full = false;
    await waitForTransfer(bob, transfer, 'done', 30_000);
    await waitForTransfer(alice, transfer, 'done');
    expect(await fileSha256(path.join(bob.downloads, 'big.bin'))).toBe(sha256(bytes));
    expect(verified).toBeGreaterThan(0);
    // The blocks verified before the disk filled are not sent again; only those under way when it did.
    expect(alice.service.files.sentBytes(transfer)).toBeLessThanOrEqual(bytes.length + WANT_AHEAD_BYTES);
  });

  it('resumes after the sender restarts mid-transfer', async () => {
    const aliceDir = await tempDir();
    const { alice, bob, bobKey } = await filesPair({ alice: { dataDir: aliceDir }, bob: { timeouts: FAST_RECONNECT } });
    const bytes = randomBytes(30 * 1024 * 1024);
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(bytes, 'big.bin'));
    await waitForOffer(bob);
    await bob.service.files.accept(transfer);
    await waitUntil(() => (bob.service.files.list()[0]!.bytes as number) >= 6 * 1024 * 1024, 'a part arrived', 30_000);
    const port = alice.service.node.port;
    await alice.service.close();
    const alice2 = await openFilesApp('Alice', { dataDir: aliceDir, port });
    await alice2.handlers['peer:connect']({ host: '127.0.0.1', port: bob.service.node.port, mode: 'secure' });
    await waitForTransfer(bob, transfer, 'done', 30_000);
    await waitForTransfer(alice2, transfer, 'done');
    expect(await fileSha256(path.join(bob.downloads, 'big.bin'))).toBe(sha256(bytes));
  });

  it('pause and resume by the person, and cancel: the peer is told each time', async () => {
    const { alice, bob, bobKey } = await filesPair();
    const bytes = randomBytes(16 * 1024 * 1024);
    const first = await alice.service.files.send(bobKey, await fileOf(bytes, 'big.bin'));
    await waitForOffer(bob);
    await alice.service.files.pause(first.transfer); // paused before a byte went
    await bob.service.files.accept(first.transfer);
    await waitForTransfer(bob, first.transfer, 'paused');
    expect(bob.service.files.list()[0]).toMatchObject({ paused: ['peer'], bytes: 0 });
    await alice.service.files.resume(first.transfer);
    await waitForTransfer(bob, first.transfer, 'done', 30_000);
    expect(await fileSha256(path.join(bob.downloads, 'big.bin'))).toBe(sha256(bytes));

    const second = await alice.service.files.send(bobKey, await fileOf(bytes, 'other.bin'));
    await waitUntil(() => fileEventsOf(bob, 'offer').length === 2, 'the second offer');
    await bob.service.files.accept(second.transfer);
    await bob.service.files.pause(second.transfer);
    await waitForTransfer(alice, second.transfer, 'paused');
    expect(alice.service.files.list().find((t) => t.transfer === second.transfer)!.paused).toEqual(['peer']);
    await bob.service.files.cancel(second.transfer);
    await waitForTransfer(alice, second.transfer, 'cancelled');
    await waitUntil(() => fileEventsOf(alice, 'failed').length > 0, 'Alice is told');
    expect(fileEventsOf(alice, 'failed')[0]!.reason).toMatch(/the receiver cancelled/);
    expect((await readdir(bob.downloads)).sort()).toEqual(['big.bin']); // the cancelled part file is removed
  });
});

/** The verified blocks a closed store holds for a transfer. */
async function openStoreBlocks(dataDir: string, transfer: string) {
  const { Store } = await import('../../electron/core/store/store');
  const { FilesTable } = await import('../../electron/core/store/files');
  const { store } = await Store.open(dataDir);
  try {
    return await new FilesTable(store.table('files')).blocks(transfer);
  } finally {
    await store.close();
  }
}
