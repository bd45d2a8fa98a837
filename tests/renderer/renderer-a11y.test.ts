/**
 * Accessibility of every screen and dialog, in the light and the dark theme: axe-core's WCAG 2.1 A/AA rules
 * find nothing (a violation fails with its rule, element and help text). The page's CSP is lifted in the test
 * context only, to inject axe. Needs `out/renderer` and Debian's Chromium.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoViolations } from '../helpers/axe';
import { connectTo, pageProblems } from '../helpers/browser';
import { cleanUp } from '../helpers/peers';
import { CAROL } from './renderer-fake-backend';
import { CAFE_INDEX, fake, openApp, openConversation, rendererReady, startHarness, type Harness, type OpenOptions } from './renderer-harness';

let harness: Harness;
beforeAll(async () => {
  if (rendererReady) harness = await startHarness();
});
afterAll(() => cleanUp());

type Theme = 'light' | 'dark';

/** The app in `theme` (the system's choice, which the app follows), CSP lifted for axe. */
const open = (theme: Theme, opts: OpenOptions = {}): Promise<Page> =>
  openApp(harness, { ...opts, context: { bypassCSP: true, colorScheme: theme, reducedMotion: 'reduce' } });

async function scan(page: Page, screen: string) {
  // Transitions finished: axe reads the colours on screen.
  await page.waitForTimeout(50);
  await expectNoViolations(page, screen);
  if (pageProblems(page).length > 0) throw new Error(pageProblems(page).join('\n'));
}

describe.skipIf(!rendererReady).each<Theme>(['light', 'dark'])('axe finds no WCAG 2.1 AA violation, %s theme', (theme) => {
  it('first run (Welcome)', async () => {
    const page = await open(theme, { fake: { firstRun: true }, waitForMain: false });
    await page.getByRole('heading', { name: 'Welcome to Peerline' }).waitFor();
    await scan(page, `Welcome (${theme})`);
  });

  it('the main screen with a conversation open, and a start-up notice', async () => {
    const page = await open(theme);
    await openConversation(page, 'Bob');
    await page.getByRole('log').getByText('Bob message #199999').waitFor();
    await scan(page, `main screen (${theme})`);
  });

  it('Connect', async () => {
    const page = await open(theme);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect to a peer' });
    await dialog.waitFor();
    await scan(page, `Connect (${theme})`);
    // With the sentence for an address nobody listens at.
    await dialog.getByRole('textbox', { name: 'Peer address' }).fill('127.0.0.1:1');
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.getByText('Nobody is listening').waitFor();
    // The choices are dimmed (inactive, exempt) only while the attempt runs.
    await expect.poll(() => dialog.getByRole('group').evaluate((fieldset) => (fieldset as unknown as { disabled: boolean }).disabled)).toBe(false);
    await scan(page, `Connect with an error (${theme})`);
  });

  it('Check my connectivity with a dial-back answer, and a contact reached by key showing its path', async () => {
    const page = await open(theme);
    await page.getByRole('button', { name: 'Check my connectivity' }).click();
    const dialog = page.getByRole('dialog', { name: 'Check my connectivity' });
    await dialog.getByText(/Your key is announced on the DHT\. NAT: consistent/).waitFor();
    await dialog.getByRole('button', { name: 'Test my key' }).click();
    await dialog.getByText('Bob reached you at your key on the DHT.').waitFor();
    await scan(page, `Check my connectivity (${theme})`);
    await dialog.getByRole('button', { name: 'Test my address' }).click();
    await dialog.getByText(/could not reach you at 203\.0\.113\.5:8000/).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Carol, offline, reached by her key: her conversation header says the path.
    await connectTo(page, CAROL);
    await page.getByRole('heading', { name: 'Carol', level: 2 }).waitFor();
    await page.getByText('hole-punched (UDP)').waitFor();
  });

  it('Settings', async () => {
    const page = await open(theme);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog', { name: 'Settings' }).waitFor();
    await scan(page, `Settings (${theme})`);
  });

  it('Contact details with the safety number', async () => {
    const page = await open(theme);
    await openConversation(page, 'Dave');
    await page.getByRole('button', { name: 'Contact details' }).click();
    await page.getByRole('dialog', { name: 'Contact details' }).getByRole('region', { name: 'Safety number' }).waitFor();
    await scan(page, `Contact details (${theme})`);
  });

  it('the key-change banner, waiting for approval and not', async () => {
    const page = await open(theme);
    await openConversation(page, 'Dave');
    await fake(page, (control) => control.keyChange('d'.repeat(64), true));
    const warning = page.getByRole('region', { name: 'Safety number changed' });
    await warning.getByRole('button', { name: 'Approve new key' }).waitFor();
    await scan(page, `key change waiting for approval (${theme})`);
    await fake(page, (control) => control.keyChange('d'.repeat(64), false));
    await warning.getByRole('button', { name: 'Dismiss warning' }).waitFor();
    await scan(page, `key change (${theme})`);
  });

  it('messages held since a key changed, and a message from a key awaiting approval', async () => {
    const page = await open(theme);
    await openConversation(page, 'Dave');
    await fake(page, (control) => control.hold('d'.repeat(64)));
    await page.getByRole('button', { name: 'Send held messages to the new key' }).waitFor();
    await scan(page, `held messages (${theme})`);
    await fake(page, (control) => {
      control.keyChange('d'.repeat(64), true);
      control.receive('d'.repeat(64), 'It is me, new laptop', true);
    });
    await page.getByRole('log').getByText('It is me, new laptop').waitFor();
    await scan(page, `a message from a key awaiting approval (${theme})`);
  });

  it('a message request with Accept, Decline and Block', async () => {
    const page = await open(theme);
    await openConversation(page, 'Carol');
    await fake(page, (control) => control.request('c'.repeat(64), 3, 120));
    await page.getByRole('button', { name: 'Accept', exact: true }).waitFor();
    await scan(page, `message request (${theme})`);
  });

  it('search results, and a result opened', async () => {
    const page = await open(theme);
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('cafe');
    const result = page.getByRole('region', { name: 'Search results' }).getByRole('button', { name: /Bob/ });
    await result.waitFor();
    await scan(page, `search results (${theme})`);
    await result.click();
    await page.getByRole('log').getByRole('article').filter({ hasText: `Café #${CAFE_INDEX}` }).waitFor();
    await scan(page, `a search result opened (${theme})`);
  });

  it('offline with queued and failed messages', async () => {
    const page = await open(theme);
    await openConversation(page, 'Carol');
    for (const text of ['one', 'two']) {
      await page.getByRole('textbox', { name: 'Message' }).fill(text);
      await page.getByRole('button', { name: 'Send' }).click();
    }
    await page.getByRole('log').getByText('queued', { exact: true }).first().waitFor();
    await scan(page, `offline, queued (${theme})`);
    await fake(page, (control) => control.settleAll('c'.repeat(64), 'failed', 'Carol’s Peerline refused it.'));
    await page.getByRole('button', { name: 'Retry', exact: true }).first().waitFor();
    await scan(page, `failed messages (${theme})`);
  });
});
