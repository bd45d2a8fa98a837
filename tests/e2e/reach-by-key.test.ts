/**
 * Reach by key in the window: two `peerline --ui --dht` processes on HyperDHT's local testnet (127.0.0.1). Bob's
 * "My card" shows his invite link and its QR code; Alice pastes the link into Connect, and the conversation
 * header says the session goes over the DHT. "Check my connectivity" shows what the DHT sees, and Alice asks
 * Bob to reach her by key.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stopAllClis } from '../helpers/cli';
import { localTestnet } from '../helpers/dht';
import { connectTo, launchBrowser, openWindow, pageProblems, screenshot, send, startUiPeer } from '../helpers/browser';
import { cleanUp, onCleanUp, tempDir } from '../helpers/peers';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

describe('reach by key in two browser windows', () => {
  it('Alice pastes the invite link from Bob\'s card, they chat over the DHT, and her connectivity check passes', async () => {
    const bootstrap = (await localTestnet()).map(({ host, port }) => `${host}:${port}`).join(',');
    const args = ['--dht', '--dht-bootstrap', bootstrap];
    const alice = await startUiPeer({ dataDir: await tempDir(), name: 'Alice', args });
    const bob = await startUiPeer({ dataDir: await tempDir(), name: 'Bob', args });
    const browser = await launchBrowser();
    onCleanUp(() => browser.close());
    const a = await openWindow(browser, alice);
    const b = await openWindow(browser, bob, { colorScheme: 'dark' });

    // Bob's card: the link to copy, and as a QR code.
    const link = (await b.getByText(/^peerline:[a-z2-7]{52}/).textContent())!;
    await b.getByText('Show as QR code').click();
    await b.getByRole('img', { name: 'QR code of your invite link' }).waitFor();
    await screenshot(b, 'my-card-invite-link');
    // The link without its LAN addresses: nothing but the key, so the session can only come over the DHT.
    const keyOnly = link.split('?')[0]!;
    expect(keyOnly).toMatch(/^peerline:[a-z2-7]{52}$/);

    await connectTo(a, keyOnly);
    await a.getByRole('heading', { name: 'Bob', level: 2 }).waitFor({ timeout: 30_000 });
    await a.getByText(/over the DHT \(direct UDP\)|hole-punched \(UDP\)/).waitFor();
    await send(a, 'found you by key');
    await b.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /Alice/ }).click();
    await b.getByRole('log').getByText('found you by key').waitFor();
    // Bob's reply accepts Alice's request: only a contact may have him dial for a connectivity check.
    await send(b, 'hello Alice');
    await a.getByRole('log').getByText('hello Alice').waitFor();
    await screenshot(a, 'connected-by-link');

    // Check my connectivity: the DHT's view, and Bob reaching Alice by her key.
    await a.getByRole('button', { name: 'Check my connectivity' }).click();
    const dialog = a.getByRole('dialog', { name: 'Check my connectivity' });
    await dialog.getByText(/Your key is announced on the DHT\. NAT: open/).waitFor();
    await dialog.getByRole('button', { name: 'Test my key' }).click();
    await dialog.getByText(/Bob reached you at your key on the DHT\./).waitFor({ timeout: 40_000 });
    await screenshot(a, 'check-my-connectivity');
    expect(pageProblems(a)).toEqual([]);
    expect(pageProblems(b)).toEqual([]);
  }, 120_000);
});
