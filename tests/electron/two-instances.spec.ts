/**
 * The real desktop app, end to end, with Playwright's Electron support (`npm run test:electron`; not part of
 * `npm test`). Two instances, each with its own user-data folder (so its own identity and single-instance lock)
 * and its own port, go through the first-run screen, connect by address, and chat both ways until each sees
 * "delivered". Needs the Electron binary (`node_modules/electron/dist`, downloaded by electron's install script
 * on a connected machine) and a display (on a headless Linux box: `xvfb-run -a npm run test:electron`). Without
 * the binary the suite fails with a message saying so; it never passes vacuously.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = path.join(repoRoot, 'test-results/electron');

/**
 * How the UI names what the test uses (roles and accessible names, as a person or a screen reader finds them),
 * as renderer/components names them: Welcome, the sidebar's Connect button and ConnectDialog, Composer.
 */
const UI = {
  firstRunName: { role: 'textbox', name: 'Display name' },
  firstRunDone: { role: 'button', name: 'Continue' },
  connect: { role: 'button', name: 'Connect' },
  peerAddress: { role: 'textbox', name: 'Peer address' },
  message: { role: 'textbox', name: 'Message' },
  send: { role: 'button', name: 'Send' },
} as const;

/**
 * The Electron executable the `electron` package installed, found the way its index.js finds it but without its
 * fallback of downloading: no binary here means a clear failure, not a download attempt.
 */
function electronBinary(): string {
  const pkg = path.join(repoRoot, 'node_modules/electron');
  const pathFile = path.join(pkg, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? path.join(override, relative ?? 'electron') : relative ? path.join(pkg, 'dist', relative) : undefined;
  if (!binary || !existsSync(binary)) {
    throw new Error(
      [
        'The Electron binary is not installed, so the desktop app cannot be launched.',
        `Looked for: ${binary ?? `${pathFile} (missing)`}.`,
        'On a machine with network access, run `node node_modules/electron/install.js` (or `npm ci`), then `npm run test:electron`.',
      ].join('\n'),
    );
  }
  return binary;
}

function requireBuilt(): void {
  for (const file of ['out/main/main.cjs', 'out/preload/preload.cjs', 'out/renderer/index.html']) {
    if (!existsSync(path.join(repoRoot, file))) throw new Error(`${file} is missing: \`npm run test:electron\` builds first; run \`npm run build\`.`);
  }
}


interface Instance {
  app: ElectronApplication;
  page: Page;
  port: number;
  userData: string;
}

let tmp: string;
const launched: ElectronApplication[] = [];

async function launch(label: string): Promise<Instance> {
  electronBinary(); // fail clearly before Playwright tries `require('electron')`, which would try to download
  const userData = path.join(tmp, label);
  await mkdir(userData);
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  delete env.VITE_DEV_SERVER_URL; // the built files, as `npm start` shows them
  delete env.PEERLINE_PORT;
  const app = await _electron.launch({
    args: [repoRoot, `--user-data-dir=${userData}`, `--peerline-port=${port}`],
    cwd: repoRoot,
    env,
    timeout: 60_000,
  });
  launched.push(app);
  app.process().stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${label}] ${chunk.toString()}`));
  const page = await app.firstWindow();
  page.on('pageerror', (err) => process.stderr.write(`[${label}] page error: ${err.message}\n`));
  await page.waitForLoadState('domcontentloaded');
  return { app, page, port, userData };
}

async function chooseName(page: Page, name: string): Promise<void> {
  await page.getByRole(UI.firstRunName.role, { name: UI.firstRunName.name, exact: true }).fill(name);
  await page.getByRole(UI.firstRunDone.role, { name: UI.firstRunDone.name, exact: true }).click();
}

async function connectTo(page: Page, address: string): Promise<void> {
  // The sidebar's Connect opens a modal dialog with the address field and its own Connect (submit) button.
  await page.getByRole(UI.connect.role, { name: UI.connect.name, exact: true }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole(UI.peerAddress.role, { name: UI.peerAddress.name, exact: true }).fill(address);
  await dialog.getByRole(UI.connect.role, { name: UI.connect.name, exact: true }).click();
  await expect.poll(() => dialog.isVisible(), { timeout: 20_000 }).toBe(false);
}

/** A conversation in the sidebar: a button named after the peer. */
async function openConversation(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name }).click({ timeout: 20_000 });
}

/** Is `text` shown in the open conversation's messages (a `log`, not the sidebar's preview)? */
function shown(page: Page, text: string): Promise<boolean> {
  return page.getByRole('log').getByText(text, { exact: true }).isVisible();
}

/** My last message's status word, as shown under it ("sending", "queued", "sent", "delivered", "read", "failed"). */
async function lastStatus(page: Page): Promise<string | null> {
  const statuses = page.getByRole('log').getByText(/^(sending|queued|sent|delivered|read|failed)$/);
  return (await statuses.count()) === 0 ? null : statuses.last().textContent();
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByRole(UI.message.role, { name: UI.message.name, exact: true }).fill(text);
  await page.getByRole(UI.send.role, { name: UI.send.name, exact: true }).click();
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) }).catch(() => {});
}

beforeAll(async () => {
  electronBinary();
  requireBuilt();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'peerline-electron-'));
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  // close() quits through app.quit(), so each instance says bye to its peers on the way out.
  await Promise.allSettled(launched.splice(0).map((app) => app.close()));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the desktop app', () => {
  it('the page is isolated: no Node, no ipcRenderer, only window.peerline; no navigation, no new windows', async () => {
    const { app, page, userData } = await launch('isolation');
    const seen = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown> & { open(url: string): unknown };
      return {
        require: typeof w.require,
        process: typeof w.process,
        module: typeof w.module,
        ipcRenderer: typeof w.ipcRenderer,
        peerline: Object.keys((w.peerline as object | undefined) ?? {}).sort(),
        opened: w.open('file:///etc/passwd') === null,
      };
    });
    expect(seen).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined', ipcRenderer: 'undefined', peerline: ['invoke', 'subscribe'], opened: true });
    // --user-data-dir moves app.getPath('userData'), where the identity lives.
    expect(realpathSync(await app.evaluate(({ app: electronApp }) => electronApp.getPath('userData')))).toBe(realpathSync(userData));
    expect(existsSync(path.join(userData, 'identity.json'))).toBe(true);
    // Navigation away is refused: the page stays ours.
    const before = page.url();
    await page.evaluate(() => void ((globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/')).catch(() => {});
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    expect(app.windows()).toHaveLength(1);
    // The invoke path works end to end through the preload and main.
    const status = await page.evaluate(() => (globalThis as unknown as { peerline: { invoke(c: string, r: unknown): Promise<unknown> } }).peerline.invoke('node:status', {}));
    expect(status).toMatchObject({ ok: true, value: { listening: true } });
    await app.close();
    launched.splice(launched.indexOf(app), 1);
  });

  it('two instances with their own profiles and ports chat both ways and see "delivered"', async () => {
    const alice = await launch('alice');
    const bob = await launch('bob');
    expect(alice.userData).not.toBe(bob.userData);

    await chooseName(alice.page, 'Alice');
    await chooseName(bob.page, 'Bob');
    await screenshot(alice.page, '01-alice-after-first-run');

    await connectTo(alice.page, `127.0.0.1:${bob.port}`);
    // Bob's side: the conversation with Alice appears; open it.
    await openConversation(bob.page, 'Alice');
    await screenshot(bob.page, '02-bob-sees-alice');

    const hello = `Hello Bob, this is Alice (${Date.now()})`;
    await send(alice.page, hello);
    await expect.poll(() => shown(bob.page, hello), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => lastStatus(alice.page), { timeout: 20_000 }).toBe('delivered');

    const reply = `Hi Alice, Bob here (${Date.now()})`;
    await send(bob.page, reply);
    await expect.poll(() => shown(alice.page, reply), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => lastStatus(bob.page), { timeout: 20_000 }).toBe('delivered');

    await screenshot(alice.page, '03-alice-conversation');
    await screenshot(bob.page, '04-bob-conversation');
  });
});
