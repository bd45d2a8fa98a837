import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { WebSocket } from 'ws';
import { assertCliBuilt, startJsonCli, stopAllClis } from '../helpers/cli';
import { cleanUp, tempDir } from '../helpers/peers';

beforeAll(assertCliBuilt);

afterEach(async () => {
  await stopAllClis();
  await cleanUp();
});

/** Writes `request` as raw bytes to 127.0.0.1:`port` and resolves with whatever comes back before the socket ends. */
function raw(port: number, request: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      // One response is enough: these requests ask for `Connection: close`, but do not wait for the server to agree.
      if (/\r\n\r\n/.test(reply) && /Content-Length: (\d+)/i.test(reply)) {
        const length = Number(/Content-Length: (\d+)/i.exec(reply)![1]);
        if (Buffer.byteLength(reply.slice(reply.indexOf('\r\n\r\n') + 4)) >= length) done();
      }
    });
    socket.on('end', done);
    socket.on('error', done);
    socket.write(request);
  });
}

const statusOf = (reply: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? NaN);

describe('peerline --ui against a hostile local web page', () => {
  it('malformed URLs, escapes and Host headers are answered, never fatal, and the real page still works after', async () => {
    const { cli } = await startJsonCli({ name: 'Alice', dataDir: await tempDir(), args: ['--ui'] });
    const url = new URL((await cli.waitFor('ui')).url as string);
    const port = Number(url.port);
    const host = `127.0.0.1:${port}`;
    const get = (target: string, headers = `Host: ${host}\r\n`) => raw(port, `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`);
    const upgrade = (target: string) =>
      raw(
        port,
        `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );

    // `<img src="http://127.0.0.1:PORT/%">` on any site: a malformed escape.
    expect(statusOf(await get('/%'))).toBe(400);
    expect(statusOf(await get('/assets/%E0%A4%A'))).toBe(400);
    expect(statusOf(await get('/%00'))).toBe(400);
    // A path that `new URL` cannot take relative to a base.
    expect(statusOf(await get('//'))).toBe(400);
    expect(statusOf(await get('//evil.example/x'))).toBe(400);
    expect(statusOf(await get('http://[::1'))).toBe(400);
    // Escaped traversal stays inside the renderer folder.
    expect([400, 404]).toContain(statusOf(await get('/..%2f..%2fetc/passwd')));
    expect([400, 404]).toContain(statusOf(await get('/%2e%2e/%2e%2e/etc/passwd')));
    // Absurd Host headers.
    for (const headers of ['', `Host: \r\n`, `Host: ${'a'.repeat(8000)}\r\n`, `Host: [::1\r\n`, `Host: ${host}\r\nHost: evil.example\r\n`]) {
      const status = statusOf(await get('/', headers));
      expect(status === 400 || status === 421 || status === 431, `Host headers ${JSON.stringify(headers.slice(0, 40))} gave ${status}`).toBe(true);
    }
    // WebSocket upgrades on paths that do not parse: refused before anything is parsed.
    for (const target of ['//', '/%', '//api', '/api?token=%']) {
      const status = statusOf(await upgrade(target));
      expect([400, 403], `upgrade on ${target} gave ${status}`).toContain(status);
    }

    // Still alive: the process did not exit, and the real page and API still work with the token.
    expect(cli.exit).toBeNull();
    const page = await get(`/?token=${url.searchParams.get('token')}`);
    expect(statusOf(page)).toBe(200);
    expect(page).toContain('<title>');
    const ws = new WebSocket(`ws://${host}/api?token=${url.searchParams.get('token')}`, { origin: `http://${host}` });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const reply = new Promise<{ id: number; result: { ok: boolean } }>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
    ws.send(JSON.stringify({ id: 1, channel: 'node:status', request: {} }));
    expect((await reply).result.ok).toBe(true);
    ws.close();
    expect(cli.exit).toBeNull();
  });
});
