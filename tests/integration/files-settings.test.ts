import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { invokeContract } from '../../shared/ipc/contract';
import { connectApps, openApp } from '../helpers/app';
import { fileEventsOf, filesPair, openFilesApp, waitForOffer, waitForTransfer } from '../helpers/files';
import { cleanUp, tempDir, waitUntil } from '../helpers/peers';

afterEach(cleanUp);

async function fileOf(bytes: number, name: string): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, randomBytes(bytes));
  return file;
}

describe('per-contact auto-accept', () => {
  it('is off by default: every offer waits for an answer', async () => {
    const { alice, bob, bobKey, aliceKey } = await filesPair();
    expect((await bob.handlers['conversation:list']({})).find((c) => c.peer === aliceKey)?.autoAcceptBytes).toBeUndefined();
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(10, 'small.txt'));
    await waitForOffer(bob);
    await waitForTransfer(bob, transfer, 'offered');
  });

  it('accepts a contact’s offers up to the size set for it, asks above it, and asks again once it is turned off', async () => {
    const { alice, bob, bobKey, aliceKey } = await filesPair();
    const set = await bob.handlers['contact:auto-accept']({ peer: aliceKey, bytes: 1000 });
    expect(set.autoAcceptBytes).toBe(1000);

    const small = await alice.service.files.send(bobKey, await fileOf(1000, 'small.txt'));
    await waitForTransfer(bob, small.transfer, 'done');
    expect(await readdir(bob.downloads)).toEqual(['small.txt']);

    const large = await alice.service.files.send(bobKey, await fileOf(1001, 'large.txt'));
    await waitUntil(() => fileEventsOf(bob, 'offer').some((o) => o.transfer === large.transfer), 'the large offer');
    await waitForTransfer(bob, large.transfer, 'offered');

    const off = await bob.handlers['contact:auto-accept']({ peer: aliceKey, bytes: null });
    expect(off.autoAcceptBytes).toBeUndefined();
    const again = await alice.service.files.send(bobKey, await fileOf(10, 'again.txt'));
    await waitUntil(() => fileEventsOf(bob, 'offer').some((o) => o.transfer === again.transfer), 'the third offer');
    await waitForTransfer(bob, again.transfer, 'offered');
  });

  it('is kept across a restart, per contact: another contact’s offers still wait', async () => {
    const bobDir = await tempDir();
    const { bob, aliceKey } = await filesPair({ bob: { dataDir: bobDir } });
    await bob.handlers['contact:auto-accept']({ peer: aliceKey, bytes: 5000 });
    const bobPort = bob.service.node.port;
    await bob.service.close();
    const bob2 = await openFilesApp('Bob', { dataDir: bobDir, port: bobPort });
    expect((await bob2.handlers['conversation:list']({})).find((c) => c.peer === aliceKey)?.autoAcceptBytes).toBe(5000);

    const carol = await openFilesApp('Carol');
    const { bobKey } = await connectApps(carol, bob2);
    const fromCarol = await carol.service.files.send(bobKey, await fileOf(10, 'carol.txt'));
    await waitForOffer(bob2);
    await waitForTransfer(bob2, fromCarol.transfer, 'offered');
  });

  it('a contact’s own limit comes before the run-wide --auto-accept', async () => {
    const { alice, bob, bobKey, aliceKey } = await filesPair({ bob: { files: { autoAcceptBytes: 1_000_000 } } });
    await bob.handlers['contact:auto-accept']({ peer: aliceKey, bytes: 100 });
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(1000, 'medium.txt'));
    await waitForOffer(bob);
    await waitForTransfer(bob, transfer, 'offered');
  });

  it('refuses sizes that are negative, fractional or beyond 2^53, and plain-text peers, with a sentence', async () => {
    const request = invokeContract['contact:auto-accept'].request;
    const peer = 'a'.repeat(64);
    for (const bytes of [-1, 1.5, 2 ** 53, Number.NaN, '10']) expect(request.safeParse({ peer, bytes }).success).toBe(false);
    expect(request.safeParse({ peer, bytes: 0 }).success).toBe(true);
    const bob = await openFilesApp('Bob');
    const plain = await openFilesApp('Plain');
    const conversation = await plain.handlers['peer:connect']({ host: '127.0.0.1', port: bob.service.node.port, mode: 'plain' });
    await expect(plain.handlers['contact:auto-accept']({ peer: conversation.peer, bytes: 10 })).rejects.toThrow(/encrypted connection/);
  });
});

describe('the folder for received files', () => {
  it('defaults to Downloads/Peerline, is stored in the settings, kept across a restart, and used for the next offer', async () => {
    const dataDir = await tempDir();
    const first = await openApp({ name: 'Bob', dataDir });
    expect((await first.handlers['settings:get']({})).downloadDir).toBe(path.join(os.homedir(), 'Downloads', 'Peerline'));
    const chosen = path.join(await tempDir(), 'Received', 'Peerline');
    expect((await first.handlers['settings:set']({ downloadDir: chosen })).downloadDir).toBe(chosen);
    expect(await readdir(path.dirname(chosen))).toEqual(['Peerline']); // made at once
    await first.service.close();

    const alice = await openFilesApp('Alice');
    const bob = await openApp({ name: 'Bob', dataDir });
    expect((await bob.handlers['settings:get']({})).downloadDir).toBe(chosen);
    const { bobKey, aliceKey } = await connectApps(alice, bob);
    await bob.handlers['contact:auto-accept']({ peer: aliceKey, bytes: 100 });
    const { transfer } = await alice.service.files.send(bobKey, await fileOf(50, 'note.txt'));
    await waitUntil(() => bob.service.files.list().some((t) => t.transfer === transfer && t.status === 'done'), 'done');
    expect(await readdir(chosen)).toEqual(['note.txt']);
  });

  it('refuses a relative path or a folder that cannot be made, with a sentence, and keeps the one before', async () => {
    const app = await openApp({ name: 'Bob' });
    const request = invokeContract['settings:set'].request;
    expect(request.safeParse({ downloadDir: 'Downloads/Peerline' }).success).toBe(false);
    expect(request.safeParse({ downloadDir: '   ' }).success).toBe(false);
    expect(request.safeParse({ downloadDir: '/tmp/a\0b' }).success).toBe(false);
    const before = (await app.handlers['settings:get']({})).downloadDir;
    const blocker = path.join(await tempDir(), 'a-file');
    await writeFile(blocker, 'x');
    await expect(app.handlers['settings:set']({ downloadDir: path.join(blocker, 'Peerline') })).rejects.toThrow(/cannot use .* for received files/);
    expect((await app.handlers['settings:get']({})).downloadDir).toBe(before);
  });
});
