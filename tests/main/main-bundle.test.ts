/**
 * The BUILT main process (out/main/main.cjs, from `npm run build`) run under plain Node with a stand-in for
 * `electron` (tests/electron/fake-electron.cjs), since no Electron binary exists here. It proves the wiring of
 * electron/main/main.ts end to end: the bundle loads with only its runtime dependencies; one instance per
 * profile; data under `app.getPath('userData')`; files found from the bundle's own folder whatever the cwd;
 * every handler registered before the page loads; senders and payloads checked; events reach the window; and
 * closing the last window says `bye` to peers before the process exits.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS } from '../../shared/ipc/channels';
import { cleanUp, nextEvent, startPeer, tempDir, waitUntil } from '../helpers/peers';
import { freePort } from '../helpers/net';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = path.join(repoRoot, 'out/main/main.cjs');
const FAKE = path.join(repoRoot, 'tests/electron/fake-electron.cjs');

interface FakeEvent {
  type: string;
  [key: string]: unknown;
}

/** Runs the built main with the fake electron; `next(type)` waits for its next report of that type. */
function runMain(userData: string, opts: { env?: Record<string, string>; args?: string[] } = {}) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (\`npm test\` does).`);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--require', FAKE, MAIN, ...(opts.args ?? ['--peerline-port=0'])], {
    cwd: os.tmpdir(), // not the repository: main must find its files from its own location
    // No mDNS and no DHT from tests on the host's network (discovery is tested in a namespace: tests/cli/cli-nearby-namespace.test.ts).
    env: { ...process.env, FAKE_USER_DATA: userData, PEERLINE_PORT: '', VITE_DEV_SERVER_URL: '', PEERLINE_DISCOVERY: 'off', PEERLINE_DHT: 'off', ...opts.env },
  });
  const seen: FakeEvent[] = [];
  const waiters: { match: (e: FakeEvent) => boolean; resolve: (e: FakeEvent) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('FAKE ')) return;
    const event = JSON.parse(line.slice(5)) as FakeEvent;
    const index = waiters.findIndex((w) => w.match(event));
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(event);
    else seen.push(event);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const next = (match: (e: FakeEvent) => boolean, what: string, timeoutMs = 10_000) => {
    const index = seen.findIndex(match);
    if (index >= 0) return Promise.resolve(seen.splice(index, 1)[0]!);
    return new Promise<FakeEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} from main within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
      waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  };
  let tags = 0;
  const invoke = async (channel: string, request: unknown, from: 'window' | 'foreign' | 'none' = 'window') => {
    const tag = `t${++tags}`;
    child.stdin.write(`${JSON.stringify({ cmd: 'invoke', tag, channel, request, from })}\n`);
    return (await next((e) => e.type === 'result' && e.tag === tag, `the result of ${channel}`)).result as { ok: boolean; value?: any; error?: { code: string } };
  };
  const command = (cmd: string, extra: Record<string, unknown> = {}) => child.stdin.write(`${JSON.stringify({ cmd, ...extra })}\n`);
  running.push(child);
  /** Whether main reported such an event that no `next` has taken yet. */
  const reported = (match: (e: FakeEvent) => boolean) => seen.some(match);
  return { child, next, invoke, command, exited, reported, stderr: () => stderr };
}

/** Main with its window, and Bob (a test peer) connected to it; resolves once the window heard of Bob. */
async function mainWithBob() {
  const main = runMain(await tempDir());
  await main.next((e) => e.type === 'window', 'a window');
  const { value: status } = await main.invoke('node:status', {});
  const bob = await startPeer('Bob');
  const session = await bob.connect('127.0.0.1', status.port);
  const conversation = (await main.next((e) => e.type === 'sent' && e.channel === 'peer:updated', 'a peer:updated event')).payload as { peer: string };
  return { main, bob, session, conversation };
}

const running: ChildProcessWithoutNullStreams[] = [];
afterEach(async () => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await cleanUp();
});

describe('the built main process (with a stand-in electron)', () => {
  it('opens the service in userData, registers every handler, then loads the built page in a hardened window', async () => {
    const userData = await tempDir();
    const main = runMain(userData);
    expect(await main.next((e) => e.type === 'sandbox', 'app.enableSandbox() before ready')).toEqual({ type: 'sandbox' });
    expect(await main.next((e) => e.type === 'lock', 'the single-instance lock')).toEqual({ type: 'lock', got: true });
    const win = await main.next((e) => e.type === 'window', 'a window');
    // Files from the bundle's own folder (the cwd is the temp folder).
    expect(win.url).toBe(pathToFileURL(path.join(repoRoot, 'out/renderer/index.html')).href);
    expect(win.webPreferences).toMatchObject({
      preload: path.join(repoRoot, 'out/preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    // Handlers existed before the page loaded, so its first invoke is answered.
    expect([...(win.handlers as string[])].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(win.listeners).toEqual(expect.arrayContaining(['will-navigate', 'will-frame-navigate', 'will-attach-webview']));
    expect(win.windowOpenHandler).toBe(true);
    expect(win.session).toEqual({ permissionRequest: true, permissionCheck: true, devicePermission: true, headers: true });
    // The identity lives in the user-data folder.
    expect(await readdir(userData)).toContain('identity.json');
  });

  it('answers our page, refuses other senders and bad payloads', async () => {
    const main = runMain(await tempDir());
    await main.next((e) => e.type === 'window', 'a window');
    const identity = await main.invoke('identity:get', {});
    expect(identity).toMatchObject({ ok: true, value: { nameChosen: false } });
    expect(identity.value.id).toMatch(/^[0-9a-f]{64}$/);
    expect(await main.invoke('identity:get', {}, 'foreign')).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await main.invoke('identity:get', {}, 'none')).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await main.invoke('identity:set-name', { name: '' })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await main.invoke('identity:set-name', { name: 'Alice' })).toMatchObject({ ok: true, value: { name: 'Alice', nameChosen: true } });
  });

  it.each([
    ['--peerline-port=N', (port: number) => ({ args: [`--peerline-port=${port}`] })],
    ['PEERLINE_PORT', (port: number) => ({ args: [], env: { PEERLINE_PORT: String(port) } })],
  ] as const)('%s picks the listening port', async (_, options) => {
    const port = await freePort();
    const main = runMain(await tempDir(), options(port));
    await main.next((e) => e.type === 'window', 'a window');
    expect(await main.invoke('node:status', {})).toMatchObject({ ok: true, value: { listening: true, port } });
  });

  it('events reach the window; closing the last window says bye to peers, then the process exits 0', async () => {
    const { main, bob, session: app, conversation } = await mainWithBob();
    // The app told its window about the new peer.
    expect(conversation).toMatchObject({ name: 'Bob', state: 'online' });

    const gone = nextEvent(bob, 'disconnected', ({ peer }) => peer === app.peer);
    main.command('close-window'); // window-all-closed → app.quit() on Linux and Windows
    expect(await main.next((e) => e.type === 'before-quit', 'the held quit')).toEqual({ type: 'before-quit', prevented: true });
    expect(await gone).toEqual({ peer: app.peer, reason: 'the peer left (quit)', byPeerUser: false });
    expect(await main.next((e) => e.type === 'before-quit', 'the real quit')).toEqual({ type: 'before-quit', prevented: false });
    expect(await main.exited).toBe(0);
    expect(main.stderr()).not.toMatch(/destroyed|Error/);
  });

  it('a message from a peer: the badge counts it, a notification tells it, a click opens its conversation; reading clears both', async () => {
    const { main, bob, session, conversation: peer } = await mainWithBob();
    expect(await main.next((e) => e.type === 'tray', 'the tray icon')).toEqual({ type: 'tray', image: 'png' });
    expect(await main.next((e) => e.type === 'tray-menu', 'the tray menu')).toMatchObject({ labels: ['No unread messages', '(separator)', 'Open Peerline', 'Quit'] });
    bob.send(session.peer, 'are you there?');
    expect(await main.next((e) => e.type === 'badge' && e.count === 1, 'the badge count')).toEqual({ type: 'badge', count: 1 });
    expect(await main.next((e) => e.type === 'tray-tooltip' && e.text !== 'Peerline', 'the tray count')).toEqual({ type: 'tray-tooltip', text: 'Peerline: 1 unread message' });
    const shown = await main.next((e) => e.type === 'notification', 'a notification');
    expect(shown).toMatchObject({ title: 'Bob', body: 'are you there?' });
    main.command('click-notification', { index: shown.index });
    expect(await main.next((e) => e.type === 'sent' && e.channel === 'conversation:open-requested', 'the conversation opened')).toMatchObject({ payload: { peer: peer.peer } });
    // A second message, read in the window: the badge goes to 0 and the notification is taken away.
    bob.send(session.peer, 'hello?');
    expect(await main.next((e) => e.type === 'notification', 'the next notification')).toMatchObject({ title: 'Bob', body: 'hello? (2 new messages)' });
    expect(await main.invoke('conversation:mark-read', { peer: peer.peer })).toMatchObject({ ok: true });
    expect(await main.next((e) => e.type === 'badge' && e.count === 0, 'the badge cleared')).toEqual({ type: 'badge', count: 0 });
    expect(await main.next((e) => e.type === 'notification-closed', 'the notification taken away')).toMatchObject({ body: 'hello? (2 new messages)' });
  });

  it('the conversation in view raises no notification', async () => {
    const { main, bob, session, conversation: online } = await mainWithBob();
    expect(await main.invoke('conversation:viewing', { peer: online.peer })).toMatchObject({ ok: true });
    bob.send(session.peer, 'seen at once');
    await main.next((e) => e.type === 'sent' && e.channel === 'message:received', 'the message');
    expect(await main.invoke('conversation:viewing', { peer: null })).toMatchObject({ ok: true });
    bob.send(session.peer, 'now away');
    expect(await main.next((e) => e.type === 'notification', 'a notification')).toMatchObject({ body: 'now away (2 new messages)' });
  });

  it('with close to tray, closing the window hides it; the tray opens it again, and Quit quits', async () => {
    const main = runMain(await tempDir());
    await main.next((e) => e.type === 'window', 'a window');
    expect(await main.invoke('settings:set', { closeToTray: true })).toMatchObject({ ok: true, value: { closeToTray: true } });
    main.command('close-window');
    expect(await main.next((e) => e.type === 'close-prevented', 'the close held')).toMatchObject({ type: 'close-prevented' });
    expect(await main.next((e) => e.type === 'hide', 'the window hidden')).toMatchObject({ type: 'hide' });
    main.command('tray-menu', { label: 'Open Peerline' });
    await main.next((e) => e.type === 'show', 'the window shown again');
    main.command('tray-menu', { label: 'Quit' });
    expect(await main.exited).toBe(0);
  });

  it('start at login is off by default; turned on, it is registered to start hidden, and off again removes it', async () => {
    const configDir = await tempDir();
    const main = runMain(await tempDir(), { env: { XDG_CONFIG_HOME: configDir } });
    await main.next((e) => e.type === 'window', 'a window');
    expect(await main.invoke('settings:get', {})).toMatchObject({ ok: true, value: { startAtLogin: false } });
    expect(await main.invoke('settings:set', { startAtLogin: true })).toMatchObject({ ok: true });
    const entry = path.join(configDir, 'autostart', 'peerline.desktop');
    if (process.platform === 'linux') {
      // Under the fake, main runs on this machine's platform: Linux gets an XDG autostart entry.
      await waitUntil(() => existsSync(entry), 'the autostart entry');
      expect(await readFile(entry, 'utf8')).toContain(`Exec="${process.execPath}" --hidden`);
      await main.invoke('settings:set', { startAtLogin: false });
      await waitUntil(() => !existsSync(entry), 'the autostart entry removed');
    } else {
      expect(await main.next((e) => e.type === 'login-item' && (e.settings as { openAtLogin: boolean }).openAtLogin, 'the login item')).toMatchObject({
        settings: { openAtLogin: true, args: ['--hidden'] },
      });
    }
  });

  it('a login start (--hidden) shows no window until the person asks; a second launch shows it', async () => {
    const main = runMain(await tempDir(), { args: ['--peerline-port=0', '--hidden'] });
    await main.next((e) => e.type === 'window', 'a window');
    await main.invoke('identity:get', {});
    expect(main.reported((e) => e.type === 'show')).toBe(false);
    main.command('second-instance');
    const shown = await main.next((e) => e.type === 'show', 'the window shown');
    expect(shown).toMatchObject({ type: 'show' });
  });

  it('a second instance on the same profile (lock taken) quits at once and opens nothing', async () => {
    const userData = await tempDir();
    const main = runMain(userData, { env: { FAKE_LOCK: 'taken' } });
    expect(await main.next((e) => e.type === 'lock', 'the lock')).toEqual({ type: 'lock', got: false });
    expect(await main.exited).toBe(0);
    expect(await readdir(userData)).toEqual([]);
  });

  it('a bad --peerline-port stops startup with a message, not a half-open app', async () => {
    const userData = await tempDir();
    const main = runMain(userData, { args: ['--peerline-port=http'] });
    expect(await main.exited).toBe(2);
    expect(await readdir(userData)).toEqual([]);
    expect(main.stderr()).toContain('--peerline-port must be a port number from 0 to 65535, not "http".');
  });
});
