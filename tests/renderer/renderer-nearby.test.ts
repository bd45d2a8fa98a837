/**
 * Nearby peers and the settings around them in Chromium against the stand-in backend: the list (fingerprint,
 * address, known contact), one-click connect (and a refusal shown where it happened), the switches, the probe
 * list and the notification setting saved as the contract says; axe finds nothing in either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoViolations } from '../helpers/axe';
import { pageProblems } from '../helpers/browser';
import { cleanUp } from '../helpers/peers';
import { calls, fake, openApp, rendererReady, startHarness, type Harness } from './renderer-harness';

let harness: Harness;
beforeAll(async () => {
  if (rendererReady) harness = await startHarness();
});
afterAll(() => cleanUp());

describe.skipIf(!rendererReady)('nearby peers in the window', () => {
  it('lists peers heard nearby; one click connects and opens the conversation; a refusal is shown at the peer', async () => {
    const page = await openApp(harness, { context: { bypassCSP: true } });
    const nearby = page.getByRole('region', { name: 'Nearby' });
    await nearby.getByText('No Peerline heard on this network yet.').waitFor();
    await fake(page, (control) =>
      control.setNearby([
        { fingerprint: 'ABCD EFGH IJKL MNOP', address: '192.168.1.20:8000', contact: { peer: 'b'.repeat(64), name: 'Bob' } },
        { fingerprint: 'QRST UVWX YZ23 4567', address: '192.168.1.31:8001' },
      ]),
    );
    await nearby.getByText('ABCD EFGH IJKL MNOP').waitFor();
    expect(await nearby.getByText('Your contact').count()).toBe(1);
    await expectNoViolations(page, 'the Nearby list');
    // Bob is online already: his conversation opens, nothing is dialed.
    await nearby.getByRole('button', { name: 'Open the conversation with Bob' }).click();
    await page.getByRole('heading', { name: 'Bob', level: 2 }).waitFor();
    expect(await calls(page, 'nearby:connect')).toEqual([]);
    // Carol is offline: Connect dials her at the address heard.
    await fake(page, (control) => control.setNearby([{ fingerprint: 'CCCC DDDD EEEE FFFF', address: '192.168.1.40:8000', contact: { peer: 'c'.repeat(64), name: 'Carol' } }, { fingerprint: 'QRST UVWX YZ23 4567', address: '192.168.1.31:8001' }]));
    await nearby.getByRole('button', { name: 'Connect to Carol at 192.168.1.40:8000' }).click();
    await page.getByRole('heading', { name: 'Carol', level: 2 }).waitFor();
    expect(await calls(page, 'nearby:connect')).toEqual([{ fingerprint: 'CCCC DDDD EEEE FFFF', address: '192.168.1.40:8000' }]);
    // Gone from the list by the time of the click: the reason shows next to it.
    await fake(page, (control) => (control.failNext['nearby:connect'] = 'The peer there is not the one announced nearby.'));
    await nearby.getByRole('button', { name: 'Connect to QRST UVWX YZ23 4567 at 192.168.1.31:8001' }).click();
    await nearby.getByRole('alert').getByText('not the one announced nearby').waitFor();
    expect(pageProblems(page)).toEqual([]);
  });

  it('settings: the nearby switches, the probe list and the notification setting are saved; looking off hides the list', async () => {
    const page = await openApp(harness, { context: { bypassCSP: true } });
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByRole('checkbox', { name: 'Let nearby devices see me' }).uncheck();
    await dialog.getByRole('checkbox', { name: 'Look for nearby devices' }).uncheck();
    await dialog.getByRole('textbox', { name: 'Addresses to ask directly' }).fill('192.168.1.20\n\n 10.0.0.7 ');
    await dialog.getByRole('radio', { name: 'Name only' }).check();
    // The stand-in backend is where the desktop app's preload would be: the tray and login settings show.
    await dialog.getByRole('checkbox', { name: 'Start Peerline when I log in' }).check();
    await expectNoViolations(page, 'the settings with nearby devices and notifications');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await calls(page, 'settings:set')).toEqual([{ nearbyVisible: false, nearbyLook: false, probeAddresses: ['192.168.1.20', '10.0.0.7'], notifications: 'name-only', startAtLogin: true }]);
    await expect.poll(() => page.getByRole('region', { name: 'Nearby' }).count()).toBe(0);
    expect(pageProblems(page)).toEqual([]);
  });
});
