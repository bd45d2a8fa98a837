/**
 * Keyboard only, in Chromium against the stand-in backend: connect, send, contact details (Escape closes and
 * focus comes back), search and open a result; the shortcuts and their dialog; dialogs hold focus.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoViolations } from '../helpers/axe';
import { pageProblems } from '../helpers/browser';
import { cleanUp } from '../helpers/peers';
import { CAFE_INDEX, calls, openApp, rendererReady, startHarness, type Harness } from './renderer-harness';

let harness: Harness;
beforeAll(async () => {
  if (rendererReady) harness = await startHarness();
});
afterAll(() => cleanUp());

type Focused = { tag: string; name: string; inDialog: boolean };
/** The focused element: its tag, its accessible-ish name (label or text), and whether it is in an open dialog. */
const focused = (page: Page): Promise<Focused> =>
  page.evaluate(() => {
    const el = (globalThis as any).document.activeElement;
    return {
      tag: el?.tagName ?? '',
      name: (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim(),
      inDialog: el?.closest('dialog[open]') != null,
    };
  });

/** Presses Tab (or Shift+Tab) until the focused element's name is `name`; fails after `max` presses. */
async function tabTo(page: Page, name: string, { back = false, max = 40 } = {}) {
  for (let i = 0; i < max; i++) {
    if ((await focused(page)).name === name) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached "${name}" (at "${(await focused(page)).name}")`);
}

describe.skipIf(!rendererReady)('keyboard only', () => {
  it('connect, send, contact details, search: no mouse', async () => {
    const page = await openApp(harness);
    // Carol is offline; connecting to her address brings her online (the stand-in knows the address).
    await page.keyboard.press('Alt+N');
    const connect = page.getByRole('dialog', { name: 'Connect to a peer' });
    await connect.waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'INPUT', inDialog: true });
    await page.keyboard.type(`127.0.0.1:${8000 + 'c'.charCodeAt(0)}`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Carol', level: 2 }).waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'TEXTAREA' });

    await page.keyboard.type('Typed without a mouse');
    await page.keyboard.press('Enter');
    await page.getByRole('log').getByText('Typed without a mouse').waitFor();
    expect(await calls(page, 'message:send')).toHaveLength(1);

    await tabTo(page, 'Contact details', { back: true });
    await page.keyboard.press('Enter');
    const details = page.getByRole('dialog', { name: 'Contact details' });
    await details.getByRole('region', { name: 'Safety number' }).waitFor();
    // Tab stays inside the dialog.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect((await focused(page)).inDialog).toBe(true);
    }
    await page.keyboard.press('Escape');
    await expect.poll(() => details.count()).toBe(0);
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON', name: 'Contact details' });

    await page.keyboard.press('Control+F');
    expect(await focused(page)).toMatchObject({ tag: 'INPUT' });
    await page.keyboard.type('cafe');
    const result = page.getByRole('region', { name: 'Search results' }).getByRole('button', { name: /Bob/ });
    await result.waitFor();
    await tabTo(page, (await result.textContent())!.trim());
    await page.keyboard.press('Enter');
    await page.getByRole('log').getByRole('article').filter({ hasText: `Café #${CAFE_INDEX}` }).waitFor();
    await page.getByRole('heading', { name: 'Bob', level: 2 }).waitFor();

    // Alt+End: back at the newest.
    await page.keyboard.press('Alt+End');
    await page.getByRole('log').getByText('Bob message #199999').waitFor();
    expect(pageProblems(page)).toEqual([]);
  });

  it('Alt+↓ and Alt+↑ step through conversations; Alt+T focuses the message box', async () => {
    const page = await openApp(harness);
    const names = await page.getByRole('navigation', { name: 'Conversations' }).locator('.conv-name').allTextContents();
    await page.keyboard.press('Alt+ArrowDown');
    await page.getByRole('heading', { name: names[0], level: 2 }).waitFor();
    await page.keyboard.press('Alt+ArrowDown');
    await page.getByRole('heading', { name: names[1], level: 2 }).waitFor();
    await page.keyboard.press('Alt+ArrowUp');
    await page.getByRole('heading', { name: names[0], level: 2 }).waitFor();
    await page.getByRole('searchbox', { name: 'Search messages' }).focus();
    await page.keyboard.press('Alt+T');
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'TEXTAREA' });
    expect(pageProblems(page)).toEqual([]);
  });

  it('the "Keyboard shortcuts" dialog lists them, passes axe, closes with Escape and gives focus back', async () => {
    const page = await openApp(harness, { context: { bypassCSP: true } });
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).focus();
    await page.keyboard.press('Control+/');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    for (const does of ['Connect to someone new', 'Search messages', 'Next conversation', 'Previous conversation', 'Jump to the newest message']) {
      await dialog.getByText(does).waitFor();
    }
    await expectNoViolations(page, 'Keyboard shortcuts');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await focused(page)).toMatchObject({ name: 'Keyboard shortcuts' });
    expect(pageProblems(page)).toEqual([]);
  });
});
