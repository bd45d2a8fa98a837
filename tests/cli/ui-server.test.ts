import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { WebSocket } from 'ws';
import { AppService } from '../../electron/core/app-service';
import net from 'node:net';
import { CLOSE_TOO_FAR_BEHIND, startUiServer, type UiServer } from '../../electron/cli/ui-server';
import { cleanUp, onCleanUp, tempDir } from '../helpers/peers';

afterEach(cleanUp);

/** A UI server over a real AppService, serving a small stand-in for the built renderer. */
async function serve(opts: { maxClientBufferedBytes?: number } = {}): Promise<{ ui: UiServer; origin: string; token: string; port: number; service: AppService }> {
  const staticDir = await tempDir();
  await mkdir(path.join(staticDir, 'assets'));
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Peerline</title><script type="module" src="./assets/app.js"></script>');
  await writeFile(path.join(staticDir, 'assets', 'app.js'), 'console.log("hi")');
  const service = await AppService.open({ dataDir: await tempDir(), appVersion: 'test', host: '127.0.0.1', port: 0, name: 'Alice', requests: { acceptStrangers: true } });
  onCleanUp(() => service.close());
  const ui = await startUiServer(service, { port: 0, staticDir, ...opts });
  onCleanUp(() => ui.close());
  const url = new URL(ui.url);
  return { ui, origin: url.origin, token: url.searchParams.get('token')!, port: Number(url.port), service };
}

function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: pathname, headers: { host: `127.0.0.1:${port}`, ...headers } }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body, headers: response.headers }));
    });
    request.on('error', reject);
  });
}

function openSocket(url: string, origin: string | undefined): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) => reject(new Error(`refused with ${response.statusCode}`)));
  });
}

function call(ws: WebSocket, id: number, channel: string, request: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const frame = JSON.parse(data.toString());
      if (frame.id !== id) return;
      ws.off('message', onMessage);
      resolve(frame.result);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, channel, request }));
  });
}

describe('peerline --ui web server', () => {
  it('binds to loopback and prints a URL with a random token', async () => {
    const { ui, token } = await serve();
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    expect(token).toHaveLength(48);
  });

  it('serves the renderer with a strict Content-Security-Policy', async () => {
    const { port } = await serve();
    const page = await get(port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Peerline</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(port, '/assets/app.js')).headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('refuses a Host that is not its loopback address (DNS rebinding)', async () => {
    const { port } = await serve();
    expect((await get(port, '/', { host: `evil.example:${port}` })).status).toBe(421);
    expect((await get(port, '/', { host: `127.0.0.1:${port + 1}` })).status).toBe(421);
  });

  it('does not serve files outside its folder', async () => {
    const { port } = await serve();
    for (const pathname of ['/../package.json', '/%2e%2e/package.json', '/assets/../../package.json', '/nothing-here']) {
      expect((await get(port, pathname)).status).toBe(404);
    }
  });

  it('opens the API only with the token and a matching Origin', async () => {
    const { origin, token, port } = await serve();
    const api = `ws://127.0.0.1:${port}/api`;
    await expect(openSocket(`${api}?token=${'0'.repeat(48)}`, origin)).rejects.toThrow('refused with 403');
    await expect(openSocket(api, origin)).rejects.toThrow('refused with 403');
    await expect(openSocket(`${api}?token=${token}`, 'http://evil.example')).rejects.toThrow('refused with 403');
    await expect(openSocket(`${api}?token=${token}`, undefined)).rejects.toThrow('refused with 403');
    await expect(openSocket(`ws://127.0.0.1:${port}/other?token=${token}`, origin)).rejects.toThrow('refused with 403');
    const ws = await openSocket(`${api}?token=${token}`, origin);
    ws.close();
  });

  it('carries the contract: validated requests, Result envelopes, and events', async () => {
    const { origin, token, port, service } = await serve();
    const ws = await openSocket(`ws://127.0.0.1:${port}/api?token=${token}`, origin);
    onCleanUp(() => ws.close());
    expect(await call(ws, 1, 'identity:get', {})).toEqual({ ok: true, value: expect.objectContaining({ name: 'Alice', id: service.node.id }) });
    expect(await call(ws, 2, 'peer:connect', { host: '127.0.0.1', port: 0 })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await call(ws, 3, 'no:such-channel', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    const events: unknown[] = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.event) events.push(frame);
    });
    expect(await call(ws, 4, 'settings:set', { allowPlain: false })).toMatchObject({ ok: true, value: { allowPlain: false } });
    expect(events).toContainEqual({ event: 'node:updated', payload: expect.objectContaining({ allowPlain: false }) });
  });

  it('answers a malformed frame with an error and keeps the socket open', async () => {
    const { origin, token, port } = await serve();
    const ws = await openSocket(`ws://127.0.0.1:${port}/api?token=${token}`, origin);
    onCleanUp(() => ws.close());
    const reply = new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
    ws.send('this is not json');
    expect(await reply).toMatchObject({ id: null, result: { ok: false, error: { code: 'invalid-request' } } });
    expect(await call(ws, 5, 'node:status', {})).toMatchObject({ ok: true });
  });

  it('a frozen page that stops reading is closed with a reason code once too far behind, not buffered for ever', async () => {
    const { origin, token, port, service } = await serve({ maxClientBufferedBytes: 256 * 1024 });
    const ws = await openSocket(`ws://127.0.0.1:${port}/api?token=${token}`, origin);
    onCleanUp(() => ws.terminate());
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // The tab freezes: it reads nothing more, while a plain-text peer floods messages (bounded in time and count).
    ws.pause();
    const flooder = net.connect(service.node.port, '127.0.0.1');
    flooder.on('error', () => {});
    onCleanUp(() => void flooder.destroy());
    const line = 'w'.repeat(32 * 1024) + '\n';
    const until = Date.now() + 4000;
    for (let lines = 0; lines < 5000 && Date.now() < until; lines++) {
      if (!flooder.write(line)) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    flooder.destroy();
    // The tab wakes up: after what was already on its way, it reads the close frame, with the code that says why.
    ws.resume();
    expect(await closed).toBe(CLOSE_TOO_FAR_BEHIND);
  });
});
