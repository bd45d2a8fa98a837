import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { Page } from 'playwright-core';
import { startJsonCli, stopAllClis } from '../helpers/cli';
import { freePort, rawServer } from '../helpers/net';
import { connectDialog, connectTo, launchBrowser, messageLog, openWindow, pageProblems, screenshot, send, startUiPeer, type UiPeer } from '../helpers/browser';
import { cleanUp, onCleanUp, tempDir, waitUntil } from '../helpers/peers';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

type BrowserGlobals = typeof globalThis & {
  document: { querySelector(selector: string): { textContent: string | null } | null; body: object };
  MutationObserver: new (callback: () => void) => { observe(target: object, options: object): void; disconnect(): void };
};

/** Resolves with the page's clock (ms since the epoch) when `text` first shows in its message log. */
function whenTextAppears(page: Page, text: string): Promise<number> {
  return page.evaluate(
    (wanted) =>
      new Promise<number>((resolve) => {
        const { document, MutationObserver } = globalThis as BrowserGlobals;
        const visible = () => document.querySelector('[role="log"]')?.textContent?.includes(wanted) ?? false;
        const observer = new MutationObserver(() => {
          if (!visible()) return;
          observer.disconnect();
          resolve(performance.timeOrigin + performance.now());
        });
        observer.observe(document.body, { childList: true, subtree: true, characterData: true });
      }),
    text,
  );
}

/** Types `text`, clicks Send, and returns the page's clock at the click. */
async function clickSendAndTime(page: Page, text: string): Promise<number> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  const send = page.getByRole('button', { name: 'Send' });
  return send.evaluate((button) => {
    const at = performance.timeOrigin + performance.now();
    (button as unknown as { click(): void }).click();
    return at;
  });
}

async function uiPeer(name?: string): Promise<UiPeer> {
  return startUiPeer({ dataDir: await tempDir(), name });
}

describe('two people chat in two browser windows', () => {
  it('first run, connect by address, messages both ways with delivery, and the other side quitting', async () => {
    const browser = await launchBrowser();
    const alice = await uiPeer();
    const bob = await uiPeer('Bob');
    const a = await openWindow(browser, alice);
    const b = await openWindow(browser, bob, { colorScheme: 'dark' });

    // First run: Alice chooses her display name.
    await a.getByRole('heading', { name: 'Welcome to Peerline' }).waitFor();
    await screenshot(a, 'first-run');
    await a.getByRole('textbox', { name: 'Display name' }).fill('Alice');
    await a.getByRole('button', { name: 'Continue' }).click();
    await a.getByRole('heading', { name: 'Alice', level: 2 }).waitFor();

    await connectTo(a, `127.0.0.1:${bob.port}`);
    await a.getByRole('heading', { name: 'Bob', level: 2 }).waitFor();
    await expect.poll(() => a.getByText('encrypted', { exact: true }).count()).toBeGreaterThan(0);

    // Bob opens the conversation Alice started.
    await b.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Alice' }).click();
    await b.getByRole('heading', { name: 'Alice', level: 2 }).waitFor();

    // Messages from one window to the other. The time from the click on Send in window A to the text in window B's
    // DOM is taken inside the browser (both pages share the machine's clock), logged, and not asserted.
    const latencies: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const text = `Hello Bob, message ${i}`;
      const shownAt = whenTextAppears(b, text);
      const clickedAt = await clickSendAndTime(a, text);
      latencies.push((await shownAt) - clickedAt);
    }
    latencies.sort((x, y) => x - y);
    console.log(
      `[e2e] click on Send in window A → text in window B's page, 10 messages: median ${latencies[5]!.toFixed(1)} ms, max ${latencies[9]!.toFixed(1)} ms`,
    );
    await expect.poll(() => messageLog(a).getByText('delivered', { exact: true }).count()).toBe(10);

    await send(b, 'Hi Alice! Good to see you here.');
    await messageLog(a).getByText('Hi Alice! Good to see you here.').waitFor();
    await messageLog(b).getByText('delivered', { exact: true }).waitFor();
    await screenshot(a, 'conversation-light');
    await screenshot(b, 'conversation-dark');

    // Bob quits: Alice sees him offline, with the reason.
    bob.cli.send({ cmd: 'quit' });
    await bob.cli.waitForExit();
    await a.getByText('offline', { exact: true }).first().waitFor();
    await a.getByText(/the peer left/).first().waitFor();
    await screenshot(a, 'peer-offline');
    expect(pageProblems(a)).toEqual([]);
  });
});

describe('a plain-text peer in the browser', () => {
  it('shows up marked unencrypted and receives a reply typed in the window', async () => {
    const browser = await launchBrowser();
    const alice = await uiPeer('Alice');
    const page = await openWindow(browser, alice);
    await page.getByRole('heading', { name: 'Alice', level: 2 }).waitFor();

    const client = net.connect({ host: '127.0.0.1', port: alice.port });
    onCleanUp(() => void client.destroy());
    let received = '';
    client.on('data', (chunk) => (received += chunk.toString('utf8')));
    await new Promise((resolve) => client.once('connect', resolve));
    client.write('Hello from the classic socket example'); // one line, no newline: the classic client waits

    const conversations = page.getByRole('navigation', { name: 'Conversations' });
    const item = conversations.getByRole('button', { name: `127.0.0.1:${client.localPort}` });
    await item.waitFor();
    await expect.poll(() => conversations.getByText('unencrypted').count()).toBeGreaterThan(0);
    await item.click();
    await messageLog(page).getByText('Hello from the classic socket example').waitFor();
    await page.getByText('Unencrypted: anyone on the network can read these messages').waitFor();

    await send(page, 'Hello, classic client');
    await waitUntil(() => received === 'Hello, classic client\n', 'the raw socket receives the reply');
    await screenshot(page, 'plain-text-peer');
    expect(pageProblems(page)).toEqual([]);
  });
});

describe('the Connect dialog explains what went wrong', () => {
  it('bad addresses get messages a person understands, and the app carries on', async () => {
    const browser = await launchBrowser();
    const alice = await uiPeer('Alice');
    const page = await openWindow(browser, alice);
    await page.getByRole('heading', { name: 'Alice', level: 2 }).waitFor();
    const dialog = connectDialog(page);

    await connectTo(page, '127.0.0.1:99999');
    await dialog.getByText('Port must be a number from 1 to 65535.').first().waitFor();

    const closedPort = await freePort();
    await dialog.getByRole('textbox', { name: 'Peer address' }).fill(`127.0.0.1:${closedPort}`);
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.getByRole('alert').getByText(`Nobody is listening at 127.0.0.1:${closedPort}.`).waitFor();

    await dialog.getByRole('textbox', { name: 'Peer address' }).fill('no-such-host.invalid:8000');
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.getByRole('alert').getByText('The name in no-such-host.invalid:8000 was not found.').waitFor();

    // Something that answers, but in plain text: not a Peerline peer.
    const web = await rawServer((socket) => socket.once('data', () => socket.end('HTTP/1.0 400 Bad Request\r\n\r\n')));
    await dialog.getByRole('textbox', { name: 'Peer address' }).fill(`127.0.0.1:${web}`);
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.getByRole('alert').getByText('That address answered, but it is not a Peerline peer.').waitFor();
    await screenshot(page, 'connect-error');

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(pageProblems(page)).toEqual([]);
  });
});

describe('hostile message text stays inert', () => {
  // Laying out a 64 KiB word takes Chromium seconds; on a busy two-core CI box the whole case took 27 s, so it has
  // a budget of its own rather than the suite's 30 s.
  it('markup, javascript: links and 64 KiB without spaces are shown as text and the layout holds', { timeout: 120_000 }, async () => {
    const browser = await launchBrowser();
    const alice = await uiPeer('Alice');
    const page = await openWindow(browser, alice);
    await page.getByRole('heading', { name: 'Alice', level: 2 }).waitFor();

    const mallory = await startJsonCli({ name: 'Mallory', dataDir: await tempDir() });
    mallory.cli.send({ cmd: 'connect', address: `127.0.0.1:${alice.port}` });
    await mallory.cli.waitFor('connected');
    const hostile = [
      '<img src=x onerror="window.__pwned=1">',
      '<script>window.__pwned=2</script>',
      'javascript:window.__pwned=3',
      '[click](javascript:window.__pwned=4) and data:text/html,<b>x</b>',
      'A'.repeat(64 * 1024),
    ];
    for (const text of hostile) mallory.cli.send({ cmd: 'send', peer: alice.id, text });
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Mallory' }).click();
    const log = messageLog(page);
    await log.getByText('<img src=x onerror="window.__pwned=1">', { exact: true }).waitFor();
    await log.getByText('<script>window.__pwned=2</script>', { exact: true }).waitFor();
    await expect.poll(() => log.getByText('A'.repeat(200)).count()).toBe(1);

    expect(await log.locator('img, script, iframe').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    const hrefs = await log.locator('a').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    for (const href of hrefs) expect(href).toMatch(/^https?:/);
    // The 64 KiB word wraps inside its bubble: nothing scrolls sideways.
    const overflow = {
      page: await page.locator('html').evaluate((html) => html.scrollWidth - html.clientWidth),
      log: await log.evaluate((element) => element.scrollWidth - element.clientWidth),
    };
    expect(overflow).toEqual({ page: 0, log: 0 });
    await screenshot(page, 'hostile-text');

    // A real link opens only after the person confirms, and only in a new, separate window.
    mallory.cli.send({ cmd: 'send', peer: alice.id, text: 'see https://example.org/page' });
    await log.getByRole('link', { name: 'https://example.org/page' }).click();
    const confirm = page.getByRole('dialog', { name: 'Open this link?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    expect(page.context().pages()).toHaveLength(1);
    expect(pageProblems(page)).toEqual([]);
  });
});
