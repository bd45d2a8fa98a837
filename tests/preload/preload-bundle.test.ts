/**
 * The built preload (out/preload/preload.cjs, from `npm run build`). A sandboxed preload gets a reduced
 * `require`: `electron` and a few built-ins, no node_modules, no relative files (DESIGN §7). So it must be ONE
 * CommonJS file that requires nothing but `electron`, and it must expose exactly `window.peerline`. Run it in
 * a bare VM context with only that `require`, the way Electron's sandbox would.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNELS } from '../../shared/ipc/channels';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = path.join(repoRoot, 'out/preload/preload.cjs');

function readBundle(): string {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first (\`npm test\` does).`);
  return readFileSync(BUNDLE, 'utf8');
}

/** Runs the bundle with a `require` that knows only `electron`, as a sandboxed preload's does (minus built-ins). */
function runSandboxed(source: string) {
  const exposed = new Map<string, unknown>();
  const ipcRenderer = { invoke: vi.fn(async () => ({ ok: true, value: null })), on: vi.fn(), removeListener: vi.fn(), send: vi.fn(), sendSync: vi.fn() };
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer,
  };
  const required: string[] = [];
  const require = (id: string) => {
    required.push(id);
    if (id === 'electron') return fakeElectron;
    throw new Error(`module not found: ${id} (a sandboxed preload cannot require it)`);
  };
  const module = { exports: {} };
  const context = vm.createContext({ require, module, exports: module.exports, console });
  vm.runInContext(source, context, { filename: BUNDLE });
  return { exposed, ipcRenderer, required };
}

describe('the built preload', () => {
  it('is CommonJS and requires nothing but `electron` (no Node built-ins, no packages, no relative files)', () => {
    const source = readBundle();
    const specifiers = [...source.matchAll(/\brequire\s*\(\s*(["'`])([^"'`]*)\1\s*\)/g)].map((m) => m[2]);
    expect(specifiers).toEqual(['electron']);
    // No other way to load code: no require with a computed name, no import statement or import().
    expect(source.match(/\brequire\s*\(/g)).toHaveLength(1);
    expect(source).not.toMatch(/^\s*import\s|\bimport\s*\(|\bexport\s/m);
  });

  it('carries the channel names but not the schemas (no zod): it stays small', () => {
    const source = readBundle();
    expect(source).not.toMatch(/zod|safeParse/);
    expect(Buffer.byteLength(source)).toBeLessThan(8 * 1024);
  });

  it('runs with a require that knows only `electron`, and exposes exactly `peerline`, a Transport of plain functions', async () => {
    const { exposed, ipcRenderer, required } = runSandboxed(readBundle());
    expect(required).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['peerline']);
    const api = exposed.get('peerline') as { invoke: (c: string, r: unknown) => Promise<unknown>; subscribe: (l: (e: string, p: unknown) => void) => () => void };
    expect(Object.keys(api).sort()).toEqual(['invoke', 'subscribe']);
    // Not ipcRenderer itself, nor anything that leads to it.
    expect(Object.values(api)).not.toContain(ipcRenderer);
    expect(JSON.stringify(Object.keys(api))).not.toMatch(/send|on\b|ipc/i);

    await expect(api.invoke('node:status', {})).resolves.toEqual({ ok: true, value: null });
    expect(ipcRenderer.invoke).toHaveBeenCalledWith('node:status', {});
    await expect(api.invoke('not:a-channel', {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(ipcRenderer.invoke).toHaveBeenCalledTimes(1);

    const listener = vi.fn();
    api.subscribe(listener);
    expect(ipcRenderer.on.mock.calls.map((call) => call[0])).toEqual([...EVENT_CHANNELS]);
    const forward = ipcRenderer.on.mock.calls[0]![1] as (event: unknown, payload: unknown) => void;
    forward({ sender: ipcRenderer, senderFrame: {} }, { hello: 1 });
    expect(listener).toHaveBeenCalledExactlyOnceWith(EVENT_CHANNELS[0], { hello: 1 });
  });
});
