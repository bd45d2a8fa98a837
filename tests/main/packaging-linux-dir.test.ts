/**
 * Offline packaging smoke test (DESIGN §7): electron-builder packs the built app for Linux (`--dir`, x64) from
 * electron-builder.yml. It normally downloads an Electron zip; here `electronDist` points at a stand-in folder
 * holding only an `electron` file, which is all a Linux `--dir` build needs of it (copied, then renamed to the
 * executable name). Then the result is checked: app.asar holds the built main, preload and the production
 * dependencies only; every native `.node` file is unpacked to app.asar.unpacked (Electron cannot dlopen from
 * inside an archive), sodium-native's linux-x64 prebuild among them; and the packaged main, unpacked from the
 * archive, starts under Node with a stand-in `electron` using nothing but what was packaged.
 * Takes about 5 s (electron-builder ~3 s).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = 'out/main/main.cjs';

interface AsarEntry {
  files?: Record<string, AsarEntry>;
  size?: number;
  offset?: string;
  unpacked?: boolean;
  link?: string;
}

/** Reads an asar archive's header: a Chromium pickle holding the JSON tree, then the file data. */
function readAsar(file: string) {
  const buf = readFileSync(file);
  const headerPickleSize = buf.readUInt32LE(4);
  const jsonLength = buf.readUInt32LE(12);
  const header = JSON.parse(buf.subarray(16, 16 + jsonLength).toString('utf8')) as AsarEntry;
  const dataStart = 8 + headerPickleSize;
  const files = new Map<string, AsarEntry>();
  const walk = (entry: AsarEntry, prefix: string) => {
    for (const [name, child] of Object.entries(entry.files ?? {})) {
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      if (child.files) walk(child, rel);
      else files.set(rel, child);
    }
  };
  walk(header, '');
  const read = (rel: string) => {
    const entry = files.get(rel);
    if (!entry || entry.unpacked || entry.offset === undefined) throw new Error(`${rel} is not packed in the archive`);
    const start = dataStart + Number(entry.offset);
    return buf.subarray(start, start + entry.size!);
  };
  return { files, read };
}

let work: string;
let appOutDir: string;
let builder: { status: number | null; output: string };

beforeAll(async () => {
  for (const built of [ENTRY, 'out/preload/preload.cjs', 'out/renderer/index.html']) {
    if (!existsSync(path.join(repoRoot, built))) throw new Error(`${built} is missing: run \`npm run build\` first (\`npm test\` does).`);
  }
  work = await mkdtemp(path.join(os.tmpdir(), 'peerline-package-'));
  // The stand-in Electron: for a Linux --dir build, electron-builder copies this folder and renames `electron`.
  const electronDist = path.join(work, 'electron-dist');
  mkdirSync(electronDist);
  writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary (packaging test)" >&2\nexit 1\n');
  chmodSync(path.join(electronDist, 'electron'), 0o755);
  const output = path.join(work, 'dist');
  const result = spawnSync(
    process.execPath,
    [
      path.join(repoRoot, 'node_modules/electron-builder/cli.js'),
      '--linux',
      'dir',
      '--x64',
      '--publish',
      'never',
      `-c.electronDist=${electronDist}`,
      `-c.directories.output=${output}`,
      // package.json's own "main" is checked below; this keeps the packing check independent of it.
      `-c.extraMetadata.main=${ENTRY}`,
    ],
    // electron-builder stays silent (but for errors) when it sees VITEST in the environment.
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: '1', VITEST: undefined }, timeout: 120_000 },
  );
  const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, ''); // the log is colored when FORCE_COLOR is set
  builder = { status: result.status, output: plain(`${result.stdout}\n${result.stderr}${result.error ? `\n${String(result.error)}` : ''}`) };
  appOutDir = path.join(output, 'linux-unpacked');
}, 150_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('electron-builder --linux dir, offline', () => {
  it('packs without downloading anything', () => {
    expect(builder.status, builder.output).toBe(0);
    expect(builder.output).toContain('using custom unpacked Electron distribution');
    expect(existsSync(path.join(appOutDir, 'peerline')), 'the executable, renamed from the stand-in').toBe(true);
    expect(existsSync(path.join(appOutDir, 'resources/app.asar'))).toBe(true);
  });

  it('app.asar holds the built app and the production dependencies, nothing else', () => {
    const { files, read } = readAsar(path.join(appOutDir, 'resources/app.asar'));
    const names = [...files.keys()];
    const topLevel = new Set(names.map((name) => (name.startsWith('out/') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0])));
    expect([...topLevel].filter((name) => name !== 'out/renderer').sort()).toEqual(['node_modules', 'out/main', 'out/preload', 'package.json']);
    expect(files.has(ENTRY)).toBe(true);
    expect(files.has('out/preload/preload.cjs')).toBe(true);
    expect(files.has('out/renderer/index.html')).toBe(true);
    expect(JSON.parse(read('package.json').toString('utf8')).main).toBe(ENTRY);
    // No source maps, no sources, no tests, and no devDependencies.
    expect(names.filter((name) => name.endsWith('.map'))).toEqual([]);
    const packages = new Set(names.filter((n) => n.startsWith('node_modules/')).map((n) => n.split('/').slice(1, n.split('/')[1]!.startsWith('@') ? 3 : 2).join('/')));
    const { dependencies, devDependencies } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    for (const dep of Object.keys(dependencies!)) expect(packages, dep).toContain(dep);
    for (const dev of Object.keys(devDependencies!)) expect(packages, dev).not.toContain(dev);
  });

  it('every native .node file is unpacked, the linux-x64 prebuilds of sodium-native and classic-level included', () => {
    const { files } = readAsar(path.join(appOutDir, 'resources/app.asar'));
    const nativeFiles = [...files].filter(([name]) => name.endsWith('.node'));
    expect(nativeFiles.length).toBeGreaterThan(0);
    for (const [name, entry] of nativeFiles) {
      expect(entry.unpacked, `${name} is marked unpacked`).toBe(true);
      expect(existsSync(path.join(appOutDir, 'resources/app.asar.unpacked', name)), `${name} is in app.asar.unpacked`).toBe(true);
    }
    for (const addon of ['sodium-native/prebuilds/linux-x64/sodium-native.node', 'classic-level/prebuilds/linux-x64/classic-level.node']) {
      const prebuild = path.join(appOutDir, 'resources/app.asar.unpacked/node_modules', addon);
      expect(existsSync(prebuild), addon).toBe(true);
      expect(readFileSync(prebuild).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // an ELF shared object
    }
    // Runtimes we never run are left out.
    expect([...files.keys()].filter((name) => /\/prebuilds\/(android|ios)-|\.bare$/.test(name))).toEqual([]);
  });

  it('the packaged main starts from the unpacked archive with only what was packaged (stand-in electron, Node)', async () => {
    // Rebuild the app folder as Electron sees it: the archive's files, with the unpacked ones beside them.
    const { files, read } = readAsar(path.join(appOutDir, 'resources/app.asar'));
    const app = path.join(work, 'app'); // outside the repository: no node_modules above it to fall back on
    for (const [name, entry] of files) {
      if (entry.link !== undefined) continue;
      const target = path.join(app, name);
      mkdirSync(path.dirname(target), { recursive: true });
      if (entry.unpacked) cpSync(path.join(appOutDir, 'resources/app.asar.unpacked', name), target);
      else writeFileSync(target, read(name));
    }
    const userData = path.join(work, 'user-data');
    mkdirSync(userData);
    const child = spawn(process.execPath, ['--require', path.join(repoRoot, 'tests/electron/fake-electron.cjs'), path.join(app, ENTRY), '--peerline-port=0'], {
      cwd: work,
      env: { ...process.env, FAKE_USER_DATA: userData, FAKE_PACKAGED: '1', NODE_PATH: '' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const lines = readline.createInterface({ input: child.stdout });
    const result = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the packaged main did not answer; stderr:\n${stderr}`)), 15_000);
      lines.on('line', (line) => {
        if (!line.startsWith('FAKE ')) return;
        const event = JSON.parse(line.slice(5)) as { type: string; result?: unknown };
        if (event.type === 'window') child.stdin.write(`${JSON.stringify({ cmd: 'invoke', tag: 'id', channel: 'identity:get', request: {}, from: 'window' })}\n`);
        if (event.type === 'result') {
          clearTimeout(timer);
          resolve(event.result);
        }
      });
      child.on('exit', (code) => reject(new Error(`the packaged main exited (${code}); stderr:\n${stderr}`)));
    });
    child.stdin.write(`${JSON.stringify({ cmd: 'quit' })}\n`);
    await new Promise((resolve) => child.once('exit', resolve));
    // An identity means sodium-native loaded its prebuild from the packaged layout, and the store classic-level's.
    expect(result).toMatchObject({ ok: true, value: { id: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(existsSync(path.join(userData, 'store', 'CURRENT')), 'the message store was created').toBe(true);
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { main?: string; productName?: string };

  it('names the built main as the entry (what `electron .` and the packaged app start)', () => {
    expect(pkg.main, 'add "main": "out/main/main.cjs" to package.json').toBe(ENTRY);
  });

  it('names the product "Peerline", so app.getPath("userData") is the folder the CLI uses too (core/data-dir.ts)', () => {
    // Electron names the app, and so the user-data folder, after package.json's productName, else its name
    // ("peerline": a different folder on Linux, hence a different identity).
    expect(pkg.productName, 'add "productName": "Peerline" to package.json').toBe('Peerline');
  });
});
