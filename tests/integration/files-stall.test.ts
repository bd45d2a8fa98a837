import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FILES_CHANNEL } from '../../electron/core/features/files/codec';
import { sessionKey } from '../../shared/ids';
import { fileEventsOf, fileSha256, filesPair, sha256, tapFiles, waitForTransfer } from '../helpers/files';
import { cleanUp, tempDir, waitUntil } from '../helpers/peers';

afterEach(cleanUp);

async function fileOf(bytes: Uint8Array, name: string): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, bytes);
  return file;
}

describe('a stalled transfer', () => {
  it('a sender that stops mid-file: the receiver shows "stalled", asks again by itself, and completes once data flows', async () => {
    const { alice, bob, bobKey, aliceKey } = await filesPair({ bob: { files: { timeouts: { stallMs: 300, maxStalls: 1000 } } } });
    await bob.handlers['contact:auto-accept']({ peer: aliceKey, bytes: Number.MAX_SAFE_INTEGER });
    const fromAlice = tapFiles(alice, bobKey);
    const toAlice = tapFiles(bob, aliceKey);
    const bytes = randomBytes(12 * 1024 * 1024);
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(bytes, 'movie.bin'));
    await waitUntil(() => fromAlice.sent.some((m) => m.type === 'chunk'), 'the first chunk');
    fromAlice.hold(transfer);
    await waitForTransfer(bob, transfer, 'stalled', 10_000);
    const verifiedWhenStalled = bob.service.files.list()[0]!.bytes;
    expect(verifiedWhenStalled).toBeLessThan(bytes.length);
    // The window is told (the record is stored first, then the event goes).
    await waitUntil(() => bob.events.some((e) => e.event === 'file:updated' && (e.payload as { transfer: string; status: string }).transfer === transfer && (e.payload as { status: string }).status === 'stalled'), 'the window hears "stalled"');
    // Asked anew by itself, each time in a new epoch, and more than once while nothing comes.
    await waitUntil(() => new Set(toAlice.wantsFor(transfer)).size >= 3, 'Bob asks again');
    const epochs = toAlice.wantsFor(transfer);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    fromAlice.release(transfer);
    await waitForTransfer(bob, transfer, 'done', 30_000);
    await waitForTransfer(alice, transfer, 'done');
    expect(await fileSha256(path.join(bob.downloads, 'movie.bin'))).toBe(sha256(bytes));
  });

  it('a sender that keeps a transfer open and never sends: failed with a reason after the bound; chat and another transfer carry on', async () => {
    const stall = { stallMs: 150, maxStalls: 2 };
    const { alice, bob, bobKey, aliceKey } = await filesPair({ bob: { files: { timeouts: stall } } });
    await bob.handlers['contact:auto-accept']({ peer: aliceKey, bytes: Number.MAX_SAFE_INTEGER });
    const fromAlice = tapFiles(alice, bobKey);
    const silent = await alice.service.files.send(bobKey, await fileOf(randomBytes(3 * 1024 * 1024), 'never.bin'));
    fromAlice.hold(silent.transfer);
    await waitForTransfer(bob, silent.transfer, 'failed', 10_000);
    const failed = bob.service.files.list().find((t) => t.transfer === silent.transfer)!;
    expect(failed.reason).toMatch(/the sender sent nothing for 0\.5 s, though asked 3 times/);
    await waitUntil(() => fileEventsOf(bob, 'failed').some((e) => e.transfer === silent.transfer && e.reason === failed.reason), 'the failed event');
    // The sender is told, and stops.
    await waitForTransfer(alice, silent.transfer, 'cancelled');

    // The same session carries chat and a new transfer.
    const message = await alice.handlers['message:send']({ peer: bobKey, text: 'still here' });
    await waitUntil(() => bob.events.some((e) => e.event === 'message:received' && (e.payload as { id: string }).id === message.id), 'the chat arrives');
    const bytes = randomBytes(2 * 1024 * 1024);
    const next = await alice.service.files.send(bobKey, await fileOf(bytes, 'next.bin'));
    await waitForTransfer(bob, next.transfer, 'done', 30_000);
    expect(await fileSha256(path.join(bob.downloads, 'next.bin'))).toBe(sha256(bytes));
    expect(bob.service.node.session(sessionKey(aliceKey), FILES_CHANNEL)?.open).toBe(true);
  });
});
