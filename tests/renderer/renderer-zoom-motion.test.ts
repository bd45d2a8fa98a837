/**
 * Zoom and motion in Chromium: no horizontal page scrolling at 320 px or at 200 % zoom (a 1100-px window at
 * 200 % lays out like 550 px), animations off under prefers-reduced-motion, a higher-contrast palette under
 * prefers-contrast: more, and the system's light or dark followed unless the person chose a theme.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoViolations } from '../helpers/axe';
import { pageProblems } from '../helpers/browser';
import { cleanUp } from '../helpers/peers';
import { openApp, openConversation, rendererReady, startHarness, type Harness } from './renderer-harness';

let harness: Harness;
beforeAll(async () => {
  if (rendererReady) harness = await startHarness();
});
afterAll(() => cleanUp());

/** How far the page itself scrolls sideways (0: it fits). */
const overflowX = (page: Page) =>
  page.evaluate(() => {
    const root = (globalThis as any).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });

const css = (page: Page, selector: string, property: string) =>
  page.locator(selector).first().evaluate((el, p) => (globalThis as any).getComputedStyle(el).getPropertyValue(p) as string, property);

describe.skipIf(!rendererReady)('zoom, motion, contrast and theme', () => {
  for (const [label, width, height] of [
    ['320 px wide', 320, 640],
    ['200 % zoom', 550, 360],
  ] as const) {
    it(`${label}: list, conversation and dialogs fit without horizontal scrolling`, async () => {
      const page = await openApp(harness, { context: { viewport: { width, height } } });
      expect(await overflowX(page)).toBeLessThanOrEqual(0);
      await openConversation(page, 'Dave');
      expect(await overflowX(page)).toBeLessThanOrEqual(0);
      await page.getByRole('button', { name: 'Contact details' }).click();
      await page.getByRole('dialog', { name: 'Contact details' }).waitFor();
      expect(await overflowX(page)).toBeLessThanOrEqual(0);
      await page.keyboard.press('Escape');
      await page.keyboard.press('Alt+N');
      await page.getByRole('dialog', { name: 'Connect to a peer' }).waitFor();
      expect(await overflowX(page)).toBeLessThanOrEqual(0);
      expect(pageProblems(page)).toEqual([]);
    });
  }

  it('prefers-reduced-motion: no animation or transition', async () => {
    const page = await openApp(harness, { context: { reducedMotion: 'reduce' } });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    expect(await css(page, 'dialog.modal', 'animation-name')).toBe('none');
    expect(await css(page, '.btn', 'transition-property')).toBe('none');
  });

  it('prefers-contrast: more gets the higher-contrast palette, still axe-clean', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await openApp(harness, { context: { contrast: 'more', colorScheme, bypassCSP: true } });
      await openConversation(page, 'Bob');
      await page.getByRole('log').getByText('Bob message #199999').waitFor();
      expect(await css(page, 'body', 'color')).toBe(colorScheme === 'light' ? 'rgb(0, 0, 0)' : 'rgb(255, 255, 255)');
      await expectNoViolations(page, `prefers-contrast: more (${colorScheme})`);
    }
  });

  it('follows the system light or dark, unless the person chose a theme', async () => {
    const dark = await openApp(harness, { context: { colorScheme: 'dark' } });
    expect(await css(dark, 'body', 'background-color')).toBe('rgb(18, 18, 20)');
    const chosen = await openApp(harness, { context: { colorScheme: 'dark' } });
    await chosen.evaluate(() => (globalThis as any).localStorage.setItem('peerline.theme', 'light'));
    await chosen.reload();
    await chosen.getByRole('heading', { name: 'Me', level: 2 }).waitFor();
    expect(await css(chosen, 'body', 'background-color')).toBe('rgb(255, 255, 255)');
  });
});
