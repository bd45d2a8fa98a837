/**
 * `npm run screenshots`: makes the README's pictures anew from the real window (two `peerline --ui` peers chatting
 * over 127.0.0.1, in Debian's Chromium), so they stay true as the window changes. Not part of `npm test`.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startUiServer } from '../../electron/cli/ui-server';
import { MemoryDatagramHub } from '../../electron/core/features/discovery/memory-hub';
import { connectApps, openApp } from '../helpers/app';
import { tapFiles } from '../helpers/files';
import { connectTo, launchBrowser, messageLog, openWindow, send, startUiPeer } from '../helpers/browser';
import { stopAllClis } from '../helpers/cli';
import { freePort } from '../helpers/net';
import { cleanUp, onCleanUp, tempDir } from '../helpers/peers';

const PICTURES = fileURLToPath(new URL('../../.github/', import.meta.url));
const WINDOW = { width: 920, height: 640 };

afterAll(async () => {
  await stopAllClis();
  await cleanUp();
});

/** Two window shots side by side on a quiet background, as one PNG. */
async function sideBySide(browser: Browser, left: Buffer, right: Buffer, file: string): Promise<void> {
  const page = await (await browser.newContext({ viewport: { width: 2 * WINDOW.width + 48, height: WINDOW.height + 32 } })).newPage();
  const img = (png: Buffer) => `<img src="data:image/png;base64,${png.toString('base64')}" style="border-radius:8px;box-shadow:0 2px 10px #0003">`;
  await page.setContent(`<body style="margin:0;padding:16px;display:flex;gap:16px;background:#d8dbe2">${img(left)}${img(right)}</body>`);
  await writeFile(`${PICTURES}${file}`, await page.screenshot());
}

async function windowOf(browser: Browser, url: string, colorScheme: 'light' | 'dark'): Promise<Page> {
  const page = await openWindow(browser, { url } as Parameters<typeof openWindow>[1], { colorScheme });
  await page.setViewportSize(WINDOW);
  return page;
}

it('README pictures: a conversation in both themes, and messages waiting for an offline contact', async () => {
  const browser = await launchBrowser();
  const bobPort = await freePort();
  const bobArgs = { dataDir: await tempDir(), name: 'Bob', args: ['--port', String(bobPort)] };
  const alice = await startUiPeer({ dataDir: await tempDir(), name: 'Alice' });
  const bob = await startUiPeer(bobArgs);
  const a = await windowOf(browser, alice.url, 'light');
  const b = await windowOf(browser, bob.url, 'dark');

  await connectTo(a, `127.0.0.1:${bobPort}`);
  await a.getByRole('heading', { name: 'Bob', level: 2 }).waitFor();
  await send(a, 'Hi Bob! Is this really going straight to your laptop?');
  await b.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /Alice/ }).click();
  await messageLog(b).getByText('Is this really going straight').waitFor();
  await send(b, 'Straight there — one TCP connection, no server in between.');
  await send(b, 'And end-to-end encrypted: compare my fingerprint with the one in your header.');
  await messageLog(a).getByText('compare my fingerprint').waitFor();
  await send(a, 'Matches. Sending you the notes now: https://example.org/notes');
  await messageLog(b).getByText('Sending you the notes').waitFor();
  await b.getByRole('textbox', { name: 'Message' }).fill('Got it, thanks');
  await a.getByText('typing', { exact: false }).first().waitFor();
  await expect.poll(() => messageLog(a).getByText('delivered', { exact: true }).count()).toBe(2);
  await sideBySide(browser, await a.screenshot(), await b.screenshot(), 'peerline.png');

  // Bob quits; Alice's three messages wait, then go by themselves when he is back.
  bob.cli.send({ cmd: 'quit' });
  await bob.cli.waitForExit();
  await a.locator('.conv-header').getByText(/offline/).first().waitFor();
  for (const text of ['First, while you were away', 'Second: still away?', 'Third and last']) await send(a, text);
  await expect.poll(() => messageLog(a).getByText('queued', { exact: true }).count()).toBe(3);
  const waiting = await a.screenshot();
  await startUiPeer(bobArgs);
  await expect.poll(() => messageLog(a).getByText('delivered', { exact: true }).count(), { timeout: 15_000 }).toBe(5);
  await sideBySide(browser, waiting, await a.screenshot(), 'peerline-offline.png');
}, 90_000);

it('README picture: the Nearby list, a contact online and a stranger heard on the local network', async () => {
  // Discovery over an in-memory datagram network (never multicast on this machine's network), in-process apps
  // serving the real page with the command's UI server.
  const hub = new MemoryDatagramHub();
  const onHub = (name: string) => openApp({ name, discovery: { transport: hub.endpoint(name, { source: '192.0.2.10' }) } });
  const alice = await openApp({ name: 'Alice', discovery: { transport: hub.endpoint('Alice', { source: '192.0.2.10' }) } });
  const bob = await onHub('Bob');
  await onHub('Carol');
  await alice.handlers['peer:connect']({ host: '127.0.0.1', port: bob.service.node.port, mode: 'secure' });
  await alice.handlers['contact:rename']({ peer: bob.service.node.id, name: 'Bob (laptop)' });
  const ui = await startUiServer(alice.service, { port: 0, staticDir: fileURLToPath(new URL('../../out/renderer/', import.meta.url)), log: () => {} });
  onCleanUp(() => ui.close());
  const browser = await launchBrowser();
  const page = await windowOf(browser, ui.url, 'light');
  const nearby = page.getByRole('region', { name: 'Nearby' });
  await nearby.getByText('Your contact').waitFor();
  await nearby.getByRole('button', { name: 'Open the conversation with Bob (laptop)' }).waitFor();
  await expect.poll(() => nearby.getByRole('button', { name: /^Connect to/ }).count()).toBe(1);
  await writeFile(`${PICTURES}peerline-nearby.png`, await page.screenshot());
}, 60_000);

it('README picture: a file on its way, the sender and the receiver side by side', async () => {
  // In-process apps serving the real page, so that the transfer can be held mid-way (the sender's data stops at
  // the bulk lane) and photographed while it is on its way; the receiver's stall timer is long enough not to show.
  const alice = await openApp({ name: 'Alice' });
  const bob = await openApp({ name: 'Bob', files: { downloadDir: path.join(await tempDir(), 'Downloads'), timeouts: { stallMs: 600_000 } } });
  const { bobKey, aliceKey } = await connectApps(alice, bob);
  await alice.handlers['message:send']({ peer: bobKey, text: 'Here are the holiday photos, the whole folder.' });
  await bob.handlers['message:send']({ peer: aliceKey, text: 'Great, got the offer — accepting.' });
  const file = path.join(await tempDir(), 'holiday-2026.zip');
  await writeFile(file, randomBytes(96 * 1024 * 1024));
  const tap = tapFiles(alice, bobKey);
  const { transfer, total } = await alice.service.files.send(bobKey, file);
  while (!bob.service.files.list().some((t) => t.transfer === transfer)) await new Promise((r) => setTimeout(r, 5));
  await bob.handlers['file:accept']({ transfer });
  while ((bob.service.files.list().find((t) => t.transfer === transfer)?.bytes ?? 0) < total * 0.4) await new Promise((r) => setTimeout(r, 2));
  tap.hold(transfer);
  const staticDir = fileURLToPath(new URL('../../out/renderer/', import.meta.url));
  const uiA = await startUiServer(alice.service, { port: 0, staticDir, log: () => {} });
  const uiB = await startUiServer(bob.service, { port: 0, staticDir, log: () => {} });
  onCleanUp(() => uiA.close());
  onCleanUp(() => uiB.close());
  const browser = await launchBrowser();
  const a = await windowOf(browser, uiA.url, 'light');
  const b = await windowOf(browser, uiB.url, 'dark');
  await a.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /Bob/ }).click();
  await b.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /Alice/ }).click();
  await a.getByRole('region', { name: 'File transfers' }).getByRole('status').filter({ hasText: /^sending/ }).waitFor();
  await b.getByRole('region', { name: 'File transfers' }).getByRole('status').filter({ hasText: /^receiving/ }).waitFor();
  await sideBySide(browser, await a.screenshot(), await b.screenshot(), 'peerline-files.png');
  tap.release(transfer);
}, 90_000);
