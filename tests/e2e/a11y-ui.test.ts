/**
 * The axe-core scan against a real `peerline --ui` page (the same renderer, its real CSP lifted in the test
 * context only): first run, then two people in a conversation, in the light and the dark theme.
 */
import { afterEach, describe, it } from 'vitest';
import { expectNoViolations } from '../helpers/axe';
import { connectTo, launchBrowser, messageLog, openWindow, send, startUiPeer } from '../helpers/browser';
import { stopAllClis } from '../helpers/cli';
import { cleanUp, tempDir } from '../helpers/peers';

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

describe('axe on a real peerline --ui window', () => {
  it('first run and a conversation have no WCAG 2.1 AA violation, light and dark', async () => {
    const browser = await launchBrowser();
    const alice = await startUiPeer({ dataDir: await tempDir() });
    const bob = await startUiPeer({ dataDir: await tempDir(), name: 'Bob' });
    const a = await openWindow(browser, alice, { bypassCSP: true });
    const b = await openWindow(browser, bob, { bypassCSP: true, colorScheme: 'dark' });

    await a.getByRole('heading', { name: 'Welcome to Peerline' }).waitFor();
    await expectNoViolations(a, 'Welcome on --ui (light)');
    await a.getByRole('textbox', { name: 'Display name' }).fill('Alice');
    await a.getByRole('button', { name: 'Continue' }).click();
    await a.getByRole('heading', { name: 'Alice', level: 2 }).waitFor();

    await connectTo(a, `127.0.0.1:${bob.port}`);
    await a.getByRole('heading', { name: 'Bob', level: 2 }).waitFor();
    await send(a, 'Hello Bob');
    await messageLog(a).getByText('delivered', { exact: true }).waitFor();
    await b.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Alice' }).click();
    await messageLog(b).getByText('Hello Bob').waitFor();
    await send(b, 'Hi Alice');
    await messageLog(a).getByText('Hi Alice').waitFor();

    await expectNoViolations(a, 'a conversation on --ui (light)');
    await expectNoViolations(b, 'a conversation on --ui (dark)');
  });
});
