/**
 * A file from one window to another: two `peerline --ui` processes, Alice picks a file through the file chooser,
 * Bob accepts the offer in his window, the file on Bob's disk has Alice's SHA-256, and both windows show done;
 * and the same from a stranger, whose file waits in the message request until Bob takes it.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopAllClis } from '../helpers/cli';
import { fileSha256, sha256 } from '../helpers/files';
import { connectTo, launchBrowser, openWindow, pageProblems, screenshot, startUiPeer } from '../helpers/browser';
import { cleanUp, tempDir } from '../helpers/peers';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

describe('files in the browser window', () => {
  it('A sends a file through the file chooser, B accepts, the file on B’s disk has A’s digest, both show done', async () => {
    const browser = await launchBrowser();
    const downloads = path.join(await tempDir(), 'Downloads');
    const alice = await startUiPeer({ dataDir: await tempDir(), name: 'Alice' });
    const bob = await startUiPeer({ dataDir: await tempDir(), name: 'Bob', args: ['--download-dir', downloads] });
    const a = await openWindow(browser, alice);
    const b = await openWindow(browser, bob);
    await connectTo(a, `127.0.0.1:${bob.port}`);
    await a.getByRole('log', { name: 'Messages with Bob' }).waitFor();

    // Bob accepts Alice, who dialed him, as a contact (a file from a request waits for him: the next case).
    await b.getByRole('navigation', { name: 'Conversations' }).getByText('Alice').first().click();
    await b.getByRole('region', { name: 'Message request' }).getByRole('button', { name: 'Accept' }).click();

    const bytes = randomBytes(5 * 1024 * 1024 + 321);
    const file = path.join(await tempDir(), 'holiday photos.zip');
    await writeFile(file, bytes);
    const chooser = a.waitForEvent('filechooser');
    await a.getByRole('button', { name: 'Attach files' }).click();
    await (await chooser).setFiles(file);

    const bobsTransfers = b.getByRole('region', { name: 'File transfers' });
    await bobsTransfers.getByText('holiday photos.zip').waitFor();
    await bobsTransfers.getByText(/free where it would go/).waitFor();
    await bobsTransfers.getByRole('button', { name: 'Accept' }).click();

    await bobsTransfers.getByRole('status').filter({ hasText: /^done/ }).waitFor({ timeout: 20_000 });
    await a.getByRole('region', { name: 'File transfers' }).getByRole('status').filter({ hasText: /^done/ }).waitFor({ timeout: 20_000 });
    expect(await fileSha256(path.join(downloads, 'holiday photos.zip'))).toBe(sha256(bytes));

    await bobsTransfers.getByRole('button', { name: 'Show in folder' }).click();
    await bobsTransfers.getByText(path.join(downloads, 'holiday photos.zip')).waitFor();
    await screenshot(a, 'file-sent');
    await screenshot(b, 'file-received');
    expect(pageProblems(a)).toEqual([]);
    expect(pageProblems(b)).toEqual([]);
  }, 60_000);

  it('a file from someone not yet accepted waits in their message request; accepting the file accepts them', async () => {
    const browser = await launchBrowser();
    const downloads = path.join(await tempDir(), 'Downloads');
    const alice = await startUiPeer({ dataDir: await tempDir(), name: 'Alice' });
    // Bob takes files without asking, up to any size, from contacts: a stranger's file is still his to accept.
    const bob = await startUiPeer({ dataDir: await tempDir(), name: 'Bob', args: ['--download-dir', downloads, '--auto-accept', String(1024 ** 3)] });
    const a = await openWindow(browser, alice);
    const b = await openWindow(browser, bob);
    await connectTo(a, `127.0.0.1:${bob.port}`);
    await a.getByRole('log', { name: 'Messages with Bob' }).waitFor();

    const bytes = randomBytes(300 * 1024);
    const file = path.join(await tempDir(), 'notes.txt');
    await writeFile(file, bytes);
    const chooser = a.waitForEvent('filechooser');
    await a.getByRole('button', { name: 'Attach files' }).click();
    await (await chooser).setFiles(file);

    await b.getByRole('navigation', { name: 'Conversations' }).getByText('Alice').first().click();
    const request = b.getByRole('region', { name: 'Message request' });
    await request.waitFor();
    const bobsTransfers = b.getByRole('region', { name: 'File transfers' });
    await bobsTransfers.getByText('notes.txt').waitFor();
    await bobsTransfers.getByRole('button', { name: 'Accept' }).waitFor();
    await bobsTransfers.getByRole('button', { name: 'Accept' }).click();

    await bobsTransfers.getByRole('status').filter({ hasText: /^done/ }).waitFor({ timeout: 20_000 });
    await request.waitFor({ state: 'detached' });
    expect(await fileSha256(path.join(downloads, 'notes.txt'))).toBe(sha256(bytes));
    expect(pageProblems(a)).toEqual([]);
    expect(pageProblems(b)).toEqual([]);
  }, 60_000);
});
