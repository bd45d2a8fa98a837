import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CliProcess, type CliOptions } from './cli';
import { onCleanUp } from './peers';

/** Debian's Chromium (`apt-get install -y chromium`); Playwright never downloads a browser of its own here. */
export const CHROMIUM_PATH = process.env.PEERLINE_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of the main screens, kept as test artifacts (ignored by git). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

/**
 * Flags for a root, offline machine: no sandbox (root), and none of Chromium's background connections, which
 * this machine's closed network refuses.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install -y chromium) or set PEERLINE_CHROMIUM.`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  onCleanUp(() => browser.close());
  return browser;
}

export interface UiPeer {
  cli: CliProcess;
  id: string;
  port: number;
  url: string;
}

/** `peerline --ui --json` on 127.0.0.1: its peer port, its id, and the URL (with token) of its window. */
export async function startUiPeer(opts: CliOptions): Promise<UiPeer> {
  const cli = new CliProcess([
    '--json',
    '--ui',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data-dir',
    opts.dataDir,
    ...(opts.name ? ['--name', opts.name] : []),
    ...(opts.args ?? []),
  ]);
  const listening = await cli.waitFor('listening');
  const ui = await cli.waitFor('ui');
  return { cli, id: listening.id as string, port: listening.port as number, url: ui.url as string };
}

/** A fresh browser window (its own context) on a peer's UI. */
export async function openWindow(browser: Browser, peer: UiPeer, opts: { colorScheme?: 'light' | 'dark'; bypassCSP?: boolean } = {}): Promise<Page> {
  // bypassCSP: only for a test that injects axe-core; the page's own CSP stays as served.
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 }, colorScheme: opts.colorScheme ?? 'light', bypassCSP: opts.bypassCSP ?? false });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  (page as Page & { problems: string[] }).problems = problems;
  await page.goto(peer.url);
  return page;
}

/** Errors the page logged or threw: a test ends by checking there were none. */
export function pageProblems(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The Connect button of the sidebar (exact: the header has Disconnect and Reconnect). */
const connectButton = (page: Page) => page.getByRole('button', { name: 'Connect', exact: true }).first();
export const connectDialog = (page: Page) => page.getByRole('dialog', { name: 'Connect to a peer' });
export const messageLog = (page: Page) => page.getByRole('log');

/** Clicks Connect, types the address, and confirms, as a person would. */
export async function connectTo(page: Page, address: string): Promise<void> {
  await connectButton(page).click();
  await connectDialog(page).getByRole('textbox', { name: 'Peer address' }).fill(address);
  await connectDialog(page).getByRole('button', { name: 'Connect', exact: true }).click();
}

/** Types `text` in the composer and clicks Send. */
export async function send(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}
