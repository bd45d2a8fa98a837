import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { stopAllClis } from '../helpers/cli';
import { launchBrowser, openWindow, pageProblems, screenshot, startUiPeer, type UiPeer } from '../helpers/browser';
import { cleanUp, tempDir } from '../helpers/peers';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

async function uiPeer(name: string): Promise<UiPeer> {
  return startUiPeer({ dataDir: await tempDir(), name });
}

const groupLog = (page: Page) => page.getByRole('log', { name: 'Messages in Trio' });

async function texts(page: Page): Promise<string[]> {
  return groupLog(page).locator('.group-text').allTextContents();
}

async function say(page: Page, text: string) {
  await page.getByRole('textbox', { name: 'Message to Trio' }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

describe('a group in three browser windows', () => {
  it('Alice makes a group of Bob and Carol; the three write, all three windows show the same order, delivered 2/2; removed, Carol gets nothing more; Bob made admin renames the group', async () => {
    const browser = await launchBrowser();
    const [alice, bob, carol] = [await uiPeer('Alice'), await uiPeer('Bob'), await uiPeer('Carol')];
    // Alice dials both: they are her contacts (dialing accepts), and she is theirs... as a request until they answer.
    for (const peer of [bob, carol]) {
      const mark = alice.cli.mark;
      alice.cli.send({ cmd: 'connect', address: `127.0.0.1:${peer.port}` });
      await alice.cli.waitFor((e) => e.event === 'connected' && e.peer === peer.id, { since: mark });
    }
    const [a, b, c] = [await openWindow(browser, alice), await openWindow(browser, bob, { colorScheme: 'dark' }), await openWindow(browser, carol)];

    await a.getByRole('button', { name: 'New group' }).click();
    const dialog = a.getByRole('dialog', { name: 'New group' });
    await dialog.getByRole('textbox', { name: 'Group name' }).fill('Trio');
    await dialog.getByRole('checkbox', { name: 'Bob' }).check();
    await dialog.getByRole('checkbox', { name: 'Carol' }).check();
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await groupLog(a).waitFor();
    const members = a.getByRole('region', { name: 'Members' });
    await expect.poll(() => members.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^Alice \(you\) admin/),
      expect.stringMatching(/^Bob member/),
      expect.stringMatching(/^Carol member/),
    ]);

    for (const page of [b, c]) {
      await page.getByRole('navigation', { name: 'Groups' }).getByRole('button', { name: /^Trio/ }).click();
      await groupLog(page).waitFor();
    }

    const written: Array<[Page, string]> = [[a, 'one from Alice'], [b, 'two from Bob'], [c, 'three from Carol'], [a, 'four from Alice']];
    for (const [page, text] of written) {
      await say(page, text);
      for (const other of [a, b, c]) await expect.poll(() => texts(other), { timeout: 15_000 }).toContain(text);
    }
    const order = await texts(a);
    expect(order).toHaveLength(4);
    expect(await texts(b)).toEqual(order);
    expect(await texts(c)).toEqual(order);
    // Authors are shown per message.
    await expect.poll(() => groupLog(b).locator('.group-author').allTextContents()).toEqual(['Alice', 'You', 'Carol', 'Alice']);
    // Alice's messages reach both others: delivered 2/2.
    await expect.poll(() => groupLog(a).getByText('delivered 2/2').count(), { timeout: 15_000 }).toBe(2);
    await screenshot(a, 'group');

    // Alice (an admin) removes Carol: Carol is told, and what Alice writes next reaches Bob only.
    await a.getByRole('button', { name: 'Remove Carol' }).click();
    await c.getByText('You are no longer in this group.').waitFor({ timeout: 15_000 });
    await expect.poll(() => b.getByRole('region', { name: 'Members' }).getByRole('listitem').count(), { timeout: 15_000 }).toBe(2);
    await say(a, 'after Carol left');
    await expect.poll(() => texts(b), { timeout: 15_000 }).toContain('after Carol left');
    expect(await texts(c)).not.toContain('after Carol left');

    // Alice makes Bob an admin; Bob (whose window now lets him) renames the group, and Alice's window follows.
    expect(await b.getByRole('button', { name: 'Rename group' }).count()).toBe(0);
    await a.getByRole('button', { name: 'Make Bob an admin' }).click();
    await b.getByRole('textbox', { name: 'New name' }).fill('Duo', { timeout: 15_000 });
    await b.getByRole('button', { name: 'Rename group' }).click();
    await a.getByRole('heading', { name: 'Duo' }).waitFor({ timeout: 15_000 });
    expect(await a.getByRole('button', { name: 'Make Bob an admin' }).count()).toBe(0);
    for (const page of [a, b, c]) expect(pageProblems(page)).toEqual([]);
    await browser.close();
  }, 120_000);
});
