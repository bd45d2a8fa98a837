/**
 * The `peerline --ui` page with nearby peers and notifications, end to end in Chromium: the page's backend is an
 * in-process AppService whose discovery runs over an in-memory datagram hub (no multicast on this machine's
 * network), serving the built page with the same UI server as the command. Notifications are the browser's Web
 * Notification API, with the permission granted through Playwright's context.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startUiServer } from '../../electron/cli/ui-server';
import { MemoryDatagramHub } from '../../electron/core/features/discovery/memory-hub';
import { openApp, eventsOf, type OpenedApp } from '../helpers/app';
import { launchBrowser, messageLog, pageProblems, screenshot } from '../helpers/browser';
import { cleanUp, onCleanUp, waitUntil } from '../helpers/peers';

const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url));

afterEach(cleanUp);

async function onHub(hub: MemoryDatagramHub, name: string): Promise<OpenedApp> {
  return openApp({ name, discovery: { transport: hub.endpoint(name, { source: '127.0.0.1' }) } });
}

/** The page's Notification, as far as these tests use it (tests compile without the DOM's types). */
type PageNotification = { onclick: ((event: unknown) => void) | null };
type NotificationClass = new (title: string, options?: { body?: string; tag?: string }) => PageNotification;

/** Records every Web Notification the page makes, so the test can click one (headless Chromium shows none). */
function recordNotifications() {
  const page = globalThis as unknown as { Notification: NotificationClass; __notifications: unknown[] };
  const Real = page.Notification;
  const made: Array<{ title: string; body?: string; tag?: string; notification: PageNotification }> = [];
  class Recorded extends Real {
    constructor(title: string, options?: { body?: string; tag?: string }) {
      super(title, options);
      made.push({ title, body: options?.body, tag: options?.tag, notification: this });
    }
  }
  page.Notification = Recorded;
  page.__notifications = made;
}

const notificationsOf = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { __notifications: Array<{ title: string; body?: string; tag?: string }> }).__notifications.map(({ title, body, tag }) => ({ title, body, tag })));

describe('nearby peers and notifications in the --ui page', () => {
  it('lists nearby peers; one click connects; a notification click opens its conversation', async () => {
    const hub = new MemoryDatagramHub();
    const alice = await onHub(hub, 'Alice');
    const bob = await onHub(hub, 'Bob');
    const carol = await onHub(hub, 'Carol');
    const ui = await startUiServer(alice.service, { port: 0, staticDir: RENDERER_DIR, log: () => {} });
    onCleanUp(() => ui.close());
    const browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    await context.grantPermissions(['notifications'], { origin: new URL(ui.url).origin });
    await context.addInitScript(recordNotifications);
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(ui.url);

    // The Nearby list: fingerprint and address of each peer heard, with a Connect button.
    const nearby = page.getByRole('region', { name: 'Nearby' });
    const bobAddress = `127.0.0.1:${bob.service.node.port}`;
    const bobFingerprint = bob.service.node.identity.fingerprint;
    await nearby.getByText(bobFingerprint).waitFor();
    await nearby.getByText(bobAddress).waitFor();
    await nearby.getByText(carol.service.node.identity.fingerprint).waitFor();
    await screenshot(page, 'nearby-list');
    await nearby.getByRole('button', { name: `Connect to ${bobFingerprint} at ${bobAddress}` }).click();
    await page.getByRole('heading', { name: 'Bob', level: 2 }).waitFor();
    // Now a contact: the list says so.
    await nearby.getByText('Your contact').waitFor();

    // Carol's conversation in view; Bob writes: a notification for Bob, and the title counts it.
    const carolFingerprint = carol.service.node.identity.fingerprint;
    await nearby.getByRole('button', { name: `Connect to ${carolFingerprint} at 127.0.0.1:${carol.service.node.port}` }).click();
    await page.getByRole('heading', { name: 'Carol', level: 2 }).waitFor();
    const aliceKey = alice.service.node.id;
    await waitUntil(() => eventsOf(bob, 'peer:updated').some((c) => c.peer === aliceKey && c.state === 'online'), 'Bob sees Alice');
    await bob.handlers['request:accept']({ peer: aliceKey });
    await bob.handlers['message:send']({ peer: aliceKey, text: 'Lunch at noon?' });
    await expect.poll(() => notificationsOf(page)).toEqual([{ title: 'Bob', body: 'Lunch at noon?', tag: expect.any(String) }]);
    await expect.poll(() => page.title()).toBe('(1) Peerline');
    // Carol writes into the conversation in view: no notification.
    await carol.handlers['request:accept']({ peer: aliceKey });
    await carol.handlers['message:send']({ peer: aliceKey, text: 'seen here' });
    await messageLog(page).getByText('seen here').waitFor();
    expect(await notificationsOf(page)).toHaveLength(1);

    await page.evaluate(() => {
      const [first] = (globalThis as unknown as { __notifications: Array<{ notification: PageNotification }> }).__notifications;
      first!.notification.onclick?.({ type: 'click' });
    });
    await page.getByRole('heading', { name: 'Bob', level: 2 }).waitFor();
    await messageLog(page).getByText('Lunch at noon?').waitFor();
    await expect.poll(() => page.title()).toBe('Peerline');
    // A browser page: no tray or login settings, and notifications already allowed (no button to ask).
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('radio', { name: 'Name and message' }).waitFor();
    expect(await settings.getByRole('checkbox', { name: 'Start Peerline when I log in' }).count()).toBe(0);
    expect(await settings.getByRole('button', { name: 'Allow notifications in this browser' }).count()).toBe(0);
    expect(pageProblems(page)).toEqual([]);
  });
});
