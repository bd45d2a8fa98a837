/**
 * The polite live region in Chromium, read from the DOM: an incoming message in the open conversation, a burst
 * coalesced, the person's own messages never, and a contact going offline.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageProblems } from '../helpers/browser';
import { cleanUp } from '../helpers/peers';
import { fake, openApp, openConversation, rendererReady, startHarness, type Harness } from './renderer-harness';

let harness: Harness;
beforeAll(async () => {
  if (rendererReady) harness = await startHarness();
});
afterAll(() => cleanUp());

const region = (page: Page) => page.getByTestId('announcer');
const said = (page: Page) => region(page).textContent();

describe.skipIf(!rendererReady)('the live region', () => {
  it('is a polite status region, and says what came in, a burst at once, never what the person sent', async () => {
    const page = await openApp(harness);
    expect(await region(page).getAttribute('aria-live')).toBe('polite');
    expect(await region(page).getAttribute('role')).toBe('status');
    await openConversation(page, 'Bob');
    await page.getByRole('log').getByText('Bob message #199999').waitFor();

    await fake(page, (control) => control.receive('b'.repeat(64), 'Are you there?'));
    await expect.poll(() => said(page)).toBe('Bob: Are you there?');

    // Our own message, and one to a conversation that is not open: nothing new is said.
    await page.getByRole('textbox', { name: 'Message' }).fill('Yes, here');
    await page.getByRole('button', { name: 'Send' }).click();
    await fake(page, (control) => control.receive('d'.repeat(64), 'Psst, Dave here'));
    await page.waitForTimeout(1_000);
    expect(await said(page)).toBe('Bob: Are you there?');

    // A burst is one announcement.
    const changes: string[] = [];
    await region(page).evaluate((el) => {
      const seen: string[] = ((globalThis as unknown as { __said: string[] }).__said = []);
      const { MutationObserver } = globalThis as unknown as { MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void } };
      new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, { childList: true, subtree: true, characterData: true });
    });
    await fake(page, (control) => {
      for (const text of ['one', 'two', 'three', 'four']) control.receive('b'.repeat(64), text);
    });
    await expect.poll(() => said(page)).toBe('4 new messages from Bob. Latest: four.');
    await page.waitForTimeout(800);
    changes.push(...(await page.evaluate(() => (globalThis as unknown as { __said: string[] }).__said)));
    expect(changes.filter((text) => text !== '')).toEqual(['4 new messages from Bob. Latest: four.']);
    expect(pageProblems(page)).toEqual([]);
  });

  it('says when a contact goes offline and comes back', async () => {
    const page = await openApp(harness);
    await fake(page, (control) => control.setState('b'.repeat(64), 'offline'));
    await expect.poll(() => said(page)).toBe('Bob is offline.');
    await fake(page, (control) => control.setState('c'.repeat(64), 'online'));
    await expect.poll(() => said(page)).toBe('Carol is online.');
    expect(pageProblems(page)).toEqual([]);
  });
});
