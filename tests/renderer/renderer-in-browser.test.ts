/**
 * The built renderer in Chromium against a stand-in backend in the page (renderer-fake-backend.ts): the
 * virtualized history over 200,000 messages, statuses, search, contact details and settings, found by role and
 * name as a person would. Needs `out/renderer` (`npm run build`, or `npx vite build`) and Debian's Chromium.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageProblems, screenshot } from '../helpers/browser';
import { cleanUp } from '../helpers/peers';
import { BOB, CAROL, DAVE } from './renderer-fake-backend';
import { BOB_COUNT, CAFE_INDEX, calls, fake, openConversation, rendererReady as ready, startHarness, openApp as open, type Harness, type InPage } from './renderer-harness';

let harness: Harness;

beforeAll(async () => {
  if (ready) harness = await startHarness();
});

afterAll(() => cleanUp());

const openApp = (): Promise<Page> => open(harness);

/** The numbers (#N) of Bob's messages the log has in the document, in document order. */
const renderedNumbers = (page: Page) =>
  page
    .getByRole('log')
    .locator('.msg .msg-text')
    .allTextContents()
    .then((texts) => texts.map((text) => Number(/#(\d+)/.exec(text)?.[1] ?? NaN)).filter((n) => !Number.isNaN(n)));

/** Scrolls the history by `dy` pixels and waits until no page is loading. */
async function scrollHistory(page: Page, dy: number | 'top') {
  await page.locator('.messages-scroller').evaluate((scroller, by) => {
    if (by === 'top') scroller.scrollTop = 0;
    else scroller.scrollTop += by;
  }, dy);
  await settled(page);
}

async function settled(page: Page) {
  // Pages are fetched a moment after the view settles; then wait for them to come in.
  await page.waitForTimeout(60);
  await page.waitForFunction(() => (globalThis as InPage).document.querySelector('[role="log"]')?.getAttribute('aria-busy') === 'false');
}

function expectContiguous(numbers: number[]) {
  expect(numbers.length).toBeGreaterThan(3);
  const expected = numbers.map((_, i) => numbers[0]! + i);
  expect(numbers).toEqual(expected);
}

/** The first message row whose top is inside the scroller's view: its number and its top on screen. */
const topVisible = (page: Page) =>
  page.locator('.messages-scroller').evaluate((scroller) => {
    const top = scroller.getBoundingClientRect().top;
    for (const row of scroller.querySelectorAll('.msg')) {
      const rect = row.getBoundingClientRect();
      const text = row.querySelector('.msg-text')?.textContent ?? '';
      if (rect.top >= top) return { n: Number(/#(\d+)/.exec(text)?.[1]), top: Math.round(rect.top) };
    }
    return null;
  });

describe.skipIf(!ready)('the renderer in a browser, against a stand-in backend', () => {
  it('opens 200,000 messages at the newest at once, and renders only what is on screen', async () => {
    const page = await openApp();
    await openConversation(page, 'Bob');
    const log = page.getByRole('log', { name: 'Messages with Bob' });
    await log.getByText(`Bob message #${BOB_COUNT - 1}`).waitFor();
    const numbers = await renderedNumbers(page);
    expect(numbers.length).toBeGreaterThan(5);
    expect(numbers.length).toBeLessThan(60);
    expect(numbers.at(-1)).toBe(BOB_COUNT - 1);
    expect(await calls(page, 'message:list')).toEqual([{ peer: BOB, limit: 100 }]);
    await screenshot(page, 'renderer-long-history');
    expect(pageProblems(page)).toEqual([]);
  });

  it('pages back and forward without gaps or repeats, keeps the row being read in place, and jumps to the newest', async () => {
    const page = await openApp();
    await openConversation(page, 'Bob');
    await page.getByRole('log').getByText(`Bob message #${BOB_COUNT - 1}`).waitFor();

    // At the very top of the window, the older page comes in above without moving what is on screen.
    await scrollHistory(page, 'top');
    const before = await topVisible(page);
    await settled(page);
    await page.waitForTimeout(200);
    expect(await topVisible(page)).toEqual(before);

    let oldest = Infinity;
    for (let i = 0; i < 40; i++) {
      await scrollHistory(page, -2_500);
      const numbers = await renderedNumbers(page);
      expectContiguous(numbers);
      expect(numbers.length).toBeLessThan(80);
      oldest = Math.min(oldest, numbers[0]!);
    }
    // Well over the window's cap of 1,000 back: the newest pages were dropped and come back going down.
    expect(oldest).toBeLessThan(BOB_COUNT - 1_500);
    const lists = (await calls(page, 'message:list')) as Array<{ before?: string; after?: string }>;
    expect(lists.filter((r) => r.before !== undefined).length).toBeGreaterThan(10);
    const afterBefore = lists.length;

    for (let i = 0; i < 20; i++) {
      await scrollHistory(page, 2_500);
      expectContiguous(await renderedNumbers(page));
    }
    const later = ((await calls(page, 'message:list')) as Array<{ after?: string }>).slice(afterBefore);
    expect(later.some((r) => r.after !== undefined)).toBe(true);

    await page.getByRole('button', { name: 'Jump to newest' }).click();
    await page.getByRole('log').getByText(`Bob message #${BOB_COUNT - 1}`).waitFor();
    await settled(page);
    expect((await renderedNumbers(page)).at(-1)).toBe(BOB_COUNT - 1);
    await expect.poll(() => page.getByRole('button', { name: 'Jump to newest' }).count()).toBe(0);

    // New messages follow at the newest.
    await fake(page, (control) => control.receive('b'.repeat(64), 'A brand new message #200000'));
    await page.getByRole('log').getByText('A brand new message #200000').waitFor();
    await expect.poll(() => renderedNumbers(page).then((n) => n.at(-1))).toBe(BOB_COUNT);
    expect(pageProblems(page)).toEqual([]);
  });

  it('search finds a message in any conversation, marks the words, and opens the conversation at it', async () => {
    const page = await openApp();
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('cafe');
    const results = page.getByRole('region', { name: 'Search results' });
    const result = results.getByRole('button', { name: /Bob/ });
    await result.waitFor();
    expect(await result.locator('mark').allTextContents()).toEqual(['Café']);
    await screenshot(page, 'renderer-search');
    await result.click();

    const log = page.getByRole('log', { name: 'Messages with Bob' });
    const target = log.getByRole('article').filter({ hasText: `Let us meet at the Café #${CAFE_INDEX}` });
    await target.waitFor();
    await expect
      .poll(() => target.evaluate((el) => el.classList.contains('highlight') && el.contains((globalThis as InPage).document.activeElement as typeof el)))
      .toBe(true);
    expect(await calls(page, 'message:list')).toContainEqual({ peer: BOB, around: await fake(page, (c) => c.bobId(123_456)), limit: 100 });
    const numbers = await renderedNumbers(page);
    expectContiguous(numbers);
    expect(numbers).toContain(CAFE_INDEX);
    await screenshot(page, 'renderer-search-jump');

    // Not at the newest: the way back is one button.
    await page.getByRole('button', { name: 'Jump to newest' }).click();
    await page.getByRole('log').getByText(`Bob message #${BOB_COUNT - 1}`).waitFor();

    // Escape empties the search box and brings the conversations back.
    await page.getByRole('searchbox', { name: 'Search messages' }).press('Escape');
    await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
    expect(pageProblems(page)).toEqual([]);
  });

  it('queued, delivered, failed with Retry and Cancel; the contact dialed again with a countdown', async () => {
    const page = await openApp();
    await openConversation(page, 'Carol');
    const carolItem = page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Carol' });
    await expect.poll(() => carolItem.textContent()).toMatch(/retrying in 1\d s/);
    const log = page.getByRole('log', { name: 'Messages with Carol' });

    for (const text of ['one', 'two', 'three']) {
      await page.getByRole('textbox', { name: 'Message' }).fill(text);
      await page.getByRole('button', { name: 'Send' }).click();
    }
    await expect.poll(() => log.getByText('queued', { exact: true }).count()).toBe(3);
    expect(await log.getByTitle('Waiting for Carol to come online').count()).toBe(3);
    await expect.poll(() => carolItem.textContent()).toContain('3 waiting');
    await screenshot(page, 'renderer-queued');

    await fake(page, (control) => control.settleAll('c'.repeat(64), 'delivered'));
    await expect.poll(() => log.getByText('delivered', { exact: true }).count()).toBe(3 + 3); // Carol's history has 3 of ours
    expect(await log.getByText('queued', { exact: true }).count()).toBe(0);

    await page.getByRole('textbox', { name: 'Message' }).fill('four');
    await page.getByRole('button', { name: 'Send' }).click();
    await log.getByText('queued', { exact: true }).waitFor();
    await fake(page, (control) => control.settleAll('c'.repeat(64), 'failed', 'Carol’s Peerline refused it.'));
    const four = log.getByRole('article').filter({ hasText: 'four' });
    await four.getByText('Carol’s Peerline refused it.').waitFor();
    await screenshot(page, 'renderer-failed');
    await four.getByRole('button', { name: 'Retry', exact: true }).click();
    await four.getByText('queued', { exact: true }).waitFor();
    expect((await calls(page, 'message:retry')).length).toBe(1);
    // The stand-in queues it again only when the call has gone through (5 ms later): only then can it fail again.
    await page.waitForTimeout(50);
    await fake(page, (control) => control.settleAll('c'.repeat(64), 'failed', 'Refused again.'));
    await four.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => log.getByText('four', { exact: true }).count()).toBe(0);
    expect((await calls(page, 'message:cancel')).length).toBe(1);

    await page.getByRole('button', { name: 'Reconnect now' }).click();
    expect(await calls(page, 'contact:reconnect')).toEqual([{ peer: CAROL }]);
    await page.locator('.conv-header').getByText('connecting', { exact: true }).waitFor();
    expect(pageProblems(page)).toEqual([]);
  });

  it('a changed key, the safety number, verifying, renaming and removing a contact', async () => {
    const page = await openApp();
    await openConversation(page, 'Dave');
    // Peerline's own line in the conversation: a centred note, not a bubble.
    const note = page.getByRole('log').getByRole('note');
    await note.getByText('Dave’s safety number changed.').waitFor();
    expect(await page.getByRole('log').getByRole('article').count()).toBe(1);
    await fake(page, (control) => control.keyChange('d'.repeat(64), true));
    const warning = page.getByRole('region', { name: 'Safety number changed' });
    await warning.getByText('your messages to Dave are waiting until you approve the new key', { exact: false }).waitFor();
    await screenshot(page, 'renderer-key-change');
    await warning.getByRole('button', { name: 'Approve new key' }).click();
    await expect.poll(() => warning.count()).toBe(0);
    expect(await calls(page, 'contact:approve-key')).toEqual([{ peer: DAVE }]);

    await page.getByRole('button', { name: 'Contact details' }).click();
    const dialog = page.getByRole('dialog', { name: 'Contact details' });
    await dialog.waitFor();
    const safety = dialog.getByRole('region', { name: 'Safety number' });
    await safety.getByText(/^\d{5}( \d{5}){11}$/).waitFor();
    await dialog.getByRole('button', { name: 'Copy safety number' }).waitFor();
    await dialog.getByRole('button', { name: 'Mark as verified' }).click();
    await dialog.getByRole('button', { name: 'Unverify' }).waitFor();
    expect(await calls(page, 'contact:verify')).toEqual([{ peer: DAVE, verified: true }]);
    await screenshot(page, 'renderer-contact-details');

    await dialog.getByRole('textbox', { name: 'Name for this contact' }).fill('Davey');
    await dialog.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('heading', { name: 'Davey', level: 2 }).waitFor();
    expect(await calls(page, 'contact:rename')).toEqual([{ peer: DAVE, name: 'Davey' }]);
    await page.locator('.conv-header').getByText('calls themselves Dave').waitFor();

    await dialog.getByRole('button', { name: 'Remove contact' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove Davey?' });
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Davey' }).count()).toBe(0);
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Davey' }).count()).toBe(0);
    expect(await calls(page, 'contact:remove')).toEqual([{ peer: DAVE }]);
    expect(pageProblems(page)).toEqual([]);
  });

  it('marks read only once the page is in and the view is at the newest, not while it loads', async () => {
    const page = await openApp();
    // The page takes long enough that a loaded machine still looks while it is loading.
    await fake(page, (control) => (control.delays['message:list'] = 2_500));
    await openConversation(page, 'Bob');
    await page.waitForTimeout(300);
    expect(await calls(page, 'message:list')).toHaveLength(1);
    expect(await calls(page, 'conversation:mark-read')).toEqual([]);
    await page.getByRole('log').getByText(`Bob message #${BOB_COUNT - 1}`).waitFor();
    await expect.poll(() => calls(page, 'conversation:mark-read')).toEqual([{ peer: BOB }]);
    expect(pageProblems(page)).toEqual([]);
  });

  it('a search jump neither marks read nor says "new messages" when pages come, and the result keeps focus', async () => {
    const page = await openApp();
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('199850');
    await page.getByRole('region', { name: 'Search results' }).getByRole('button', { name: /Bob/ }).click();
    const log = page.getByRole('log', { name: 'Messages with Bob' });
    const target = log.getByRole('article').filter({ hasText: 'Bob message #199850' });
    await target.waitFor();
    await settled(page);
    expect(await calls(page, 'conversation:mark-read')).toEqual([]);

    // Focus stays on the result after its highlight fades.
    const targetHasFocus = () => target.evaluate((el) => el === (globalThis as InPage).document.activeElement);
    await expect.poll(targetHasFocus).toBe(true);
    await expect.poll(() => target.evaluate((el) => el.classList.contains('highlight')), { timeout: 4_000 }).toBe(false);
    expect(await targetHasFocus()).toBe(true);

    // Down towards the newest: the page after the window reaches it, and nothing new came.
    await scrollHistory(page, 1_800);
    await expect.poll(async () => ((await calls(page, 'message:list')) as Array<{ after?: string }>).some((r) => r.after !== undefined)).toBe(true);
    await settled(page);
    const after = await fake(page, (c) => c.bobId(199_899));
    expect(await calls(page, 'message:list')).toContainEqual({ peer: BOB, after, limit: 100 });
    expect(await page.locator('.jump-latest').count()).toBe(1);
    expect(await page.locator('.jump-latest.has-unseen').count()).toBe(0);
    expect(await calls(page, 'conversation:mark-read')).toEqual([]);

    await page.getByRole('button', { name: 'Jump to newest' }).click();
    await expect.poll(() => calls(page, 'conversation:mark-read')).toEqual([{ peer: BOB }]);
    expect(pageProblems(page)).toEqual([]);
  });

  it('"Try again" after a search result failed to open asks around that message again', async () => {
    const page = await openApp();
    await fake(page, (control) => (control.failNext['message:list'] = 'The store is busy.'));
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('cafe');
    await page.getByRole('region', { name: 'Search results' }).getByRole('button', { name: /Bob/ }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'The store is busy.' });
    await alert.getByRole('button', { name: 'Try again' }).click();
    const around = await fake(page, (c) => c.bobId(123_456));
    await page.getByRole('log').getByRole('article').filter({ hasText: `Let us meet at the Café #${CAFE_INDEX}` }).waitFor();
    expect(await calls(page, 'message:list')).toEqual([
      { peer: BOB, around, limit: 100 },
      { peer: BOB, around, limit: 100 },
    ]);
    expect(pageProblems(page)).toEqual([]);
  });

  it('a changed key that waits for approval can be turned away: "Keep old key"', async () => {
    const page = await openApp();
    await openConversation(page, 'Dave');
    await fake(page, (control) => control.keyChange('d'.repeat(64), true));
    const warning = page.getByRole('region', { name: 'Safety number changed' });
    await warning.getByText('keep the old key to turn the new one away', { exact: false }).waitFor();
    expect(await warning.getByRole('button', { name: 'Dismiss warning' }).count()).toBe(0);
    await warning.getByRole('button', { name: 'Keep old key' }).click();
    await expect.poll(() => warning.count()).toBe(0);
    expect(await calls(page, 'contact:dismiss-key-change')).toEqual([{ peer: DAVE }]);

    await fake(page, (control) => control.keyChange('d'.repeat(64), false));
    await warning.getByText('Dismissing the warning only puts this message away', { exact: false }).waitFor();
    expect(await warning.getByRole('button', { name: 'Keep old key' }).count()).toBe(0);
    await warning.getByRole('button', { name: 'Dismiss warning' }).click();
    await expect.poll(() => warning.count()).toBe(0);
    expect(pageProblems(page)).toEqual([]);
  });

  it('a message request shows Accept, Decline and Block; Accept makes it a contact, Block removes it', async () => {
    const page = await openApp();
    await openConversation(page, 'Dave');
    await fake(page, (control) => control.request('d'.repeat(64), 3, 900));
    const banner = page.getByRole('region', { name: 'Message request' });
    await banner.getByText('kept their first 3 messages', { exact: false }).waitFor();
    await page.getByRole('navigation', { name: 'Conversations' }).getByText('request', { exact: true }).waitFor();
    await banner.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => banner.count()).toBe(0);
    expect(await calls(page, 'request:accept')).toEqual([{ peer: DAVE }]);

    await fake(page, (control) => control.request('d'.repeat(64), 1, 10));
    expect(await banner.getByRole('button', { name: 'Decline' }).count()).toBe(1);
    await banner.getByRole('button', { name: 'Block' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Dave' }).count()).toBe(0);
    expect(await calls(page, 'contact:block')).toEqual([{ peer: DAVE }]);
    expect(pageProblems(page)).toEqual([]);
  });

  it('settings: read receipts, off by default; the start-up notice stays until dismissed', async () => {
    const page = await openApp();
    const notices = page.getByRole('region', { name: 'Notices' });
    await notices.getByText('The message store was damaged').waitFor();
    await notices.getByRole('button', { name: 'Dismiss notice' }).click();
    await expect.poll(() => notices.count()).toBe(0);

    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const receipts = dialog.getByRole('checkbox', { name: 'Send read receipts' });
    expect(await receipts.isChecked()).toBe(false);
    await dialog.getByText('The message store was damaged').waitFor();
    await receipts.check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await calls(page, 'settings:set')).toEqual([{ readReceipts: true }]);
    expect(pageProblems(page)).toEqual([]);
  });

  it('settings: the DHT relay is empty (none) by default; a value that is not a key is refused in the form, a key is saved', async () => {
    const page = await openApp();
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const relay = dialog.getByRole('textbox', { name: 'DHT relay (optional)' });
    expect(await relay.inputValue()).toBe('');
    await relay.fill('not a key');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('A relay is its key, 64 hex digits').waitFor();
    expect(await relay.getAttribute('aria-invalid')).toBe('true');
    expect(await calls(page, 'settings:set')).toEqual([]);
    await relay.fill(` ${'AB'.repeat(32)} `);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await calls(page, 'settings:set')).toEqual([{ dhtRelay: 'ab'.repeat(32) }]);
    expect(pageProblems(page)).toEqual([]);
  });
});
