/**
 * The built renderer (`out/renderer`) served on 127.0.0.1 and opened in Debian's Chromium with the stand-in
 * backend in the page (renderer-fake-backend.ts): shared by the renderer's browser tests.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../helpers/browser';
import { onCleanUp } from '../helpers/peers';
import { installFakeBackend, type FakeControl, type FakeOptions } from './renderer-fake-backend';

const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer/', import.meta.url));
export const BOB_COUNT = 200_000;
export const CAFE_INDEX = 123_456;
export const rendererReady = existsSync(path.join(RENDERER_DIR, 'index.html')) && existsSync(CHROMIUM_PATH);

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

export interface Harness {
  base: string;
  browser: Browser;
}

/** Serves the built renderer and launches Chromium; both go at `cleanUp()`. */
export async function startHarness(): Promise<Harness> {
  const server = http.createServer(async (request, response) => {
    const file = path.join(RENDERER_DIR, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).replace(/^\/$/, '/index.html'));
    if (!file.startsWith(RENDERER_DIR) || !existsSync(file)) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanUp(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const browser = await launchBrowser();
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, browser };
}

export interface OpenOptions {
  context?: BrowserContextOptions;
  fake?: Partial<FakeOptions>;
  /** Wait for the main screen (the default), or only for the page to load (first run). */
  waitForMain?: boolean;
}

/** A fresh context and page on the renderer with the stand-in backend; page errors and warnings are collected. */
export async function openApp(harness: Harness, opts: OpenOptions = {}): Promise<Page> {
  const context = await harness.browser.newContext({ viewport: { width: 1100, height: 720 }, ...opts.context });
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  (page as Page & { problems: string[] }).problems = problems;
  await page.addInitScript(installFakeBackend, { bobCount: BOB_COUNT, cafeIndex: CAFE_INDEX, ...opts.fake } satisfies FakeOptions);
  await page.goto(harness.base);
  if (opts.waitForMain !== false) await page.getByRole('heading', { name: 'Me', level: 2 }).waitFor();
  return page;
}

/** What the page's globals look like to the functions these tests run in it (this file is compiled without the DOM). */
export type InPage = typeof globalThis & {
  __fake: FakeControl;
  document: { querySelector(selector: string): { getAttribute(name: string): string | null; textContent: string | null } | null; activeElement: unknown };
};

/** Runs `run` in the page with the stand-in backend's controls (`run` travels as source text). */
export const fake = <T>(page: Page, run: (control: FakeControl) => T) =>
  page.evaluate((source) => new Function('control', `return (${source})(control)`)((globalThis as InPage).__fake), run.toString()) as Promise<T>;

export const calls = (page: Page, channel: string) =>
  fake(page, (control) => control.calls).then((all) => all.filter(([c]) => c === channel).map(([, r]) => r));

export async function openConversation(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name }).click();
  await page.getByRole('heading', { name, level: 2 }).waitFor();
}
