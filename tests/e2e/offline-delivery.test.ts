/**
 * A message to someone who is offline waits, and goes by itself when they are back: two `peerline --ui`
 * processes, Alice's window in Chromium, and Bob quitting and starting again on the same data directory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stopAllClis } from '../helpers/cli';
import { connectTo, launchBrowser, messageLog, openWindow, pageProblems, screenshot, send, startUiPeer } from '../helpers/browser';
import { freePort } from '../helpers/net';
import { cleanUp, tempDir } from '../helpers/peers';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

describe('messages to an offline contact', () => {
  it('B quits; A sends three messages, shown queued; B starts again on the same data directory; they arrive and turn delivered with no click', async () => {
    const browser = await launchBrowser();
    const bobDir = await tempDir();
    const bobPort = await freePort();
    const bobArgs = { dataDir: bobDir, name: 'Bob', args: ['--port', String(bobPort)] };
    const alice = await startUiPeer({ dataDir: await tempDir(), name: 'Alice' });
    const bob = await startUiPeer(bobArgs);
    const a = await openWindow(browser, alice);

    await connectTo(a, `127.0.0.1:${bobPort}`);
    const log = messageLog(a);
    await a.getByRole('log', { name: 'Messages with Bob' }).waitFor();
    await send(a, 'Are you there?');
    await log.getByText('delivered', { exact: true }).waitFor();
    await bob.cli.waitFor('message');

    bob.cli.send({ cmd: 'quit' });
    expect((await bob.cli.waitForExit()).code).toBe(0);
    await a.locator('.conv-header').getByText(/offline/).first().waitFor();

    const texts = ['First, while you were away', 'Second: still away?', 'Third and last'];
    for (const text of texts) await send(a, text);
    await expect.poll(() => log.getByText('queued', { exact: true }).count()).toBe(3);
    await log.getByTitle('Waiting for Bob to come online').first().waitFor();
    await screenshot(a, 'offline-queued');

    // Bob starts again on the same data directory; nobody clicks anything in Alice's window.
    const bobAgain = await startUiPeer(bobArgs);
    await expect.poll(() => bobAgain.cli.all('message').map((e) => e.text), { timeout: 15_000 }).toEqual(texts);
    await expect.poll(() => log.getByText('delivered', { exact: true }).count(), { timeout: 15_000 }).toBe(4);
    expect(await log.getByText('queued', { exact: true }).count()).toBe(0);
    await screenshot(a, 'offline-delivered');

    // Bob's own window shows the whole conversation from his store, in order.
    const b = await openWindow(browser, bobAgain);
    const bobsLog = b.getByRole('log', { name: 'Messages with Alice' });
    await b.getByRole('navigation', { name: 'Conversations' }).getByText('Alice').first().click();
    for (const text of ['Are you there?', ...texts]) await bobsLog.getByText(text).waitFor();
    const shown = await bobsLog.getByRole('article').allTextContents();
    const order = ['Are you there?', ...texts].map((text) => shown.findIndex((row) => row.includes(text)));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(pageProblems(a)).toEqual([]);
    expect(pageProblems(b)).toEqual([]);
  }, 60_000);
});
