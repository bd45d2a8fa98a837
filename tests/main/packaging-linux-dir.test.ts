/**
 * Offline packaging proof (DESIGN §7): scripts/package-deb.mjs — what `npm run package:deb` runs — packs the
 * built app for Linux (`--dir`, x64) from electron-builder.yml and turns the result into a .deb. electron-builder
 * normally downloads an Electron zip; here `--electron-dist` points at a stand-in (tests/tools/stand-in-electron.ts)
 * with Electron's file names and a fuse wire in Electron 45's shipped state.
 *
 * Checked: app.asar holds the built main, preload and the production dependencies only; every native `.node`
 * file is unpacked to app.asar.unpacked (Electron cannot dlopen from inside an archive); the fuses read back from
 * the packaged binary with @electron/fuses are the ones electron-builder.yml asks for; no update feed is packed;
 * the .deb (dpkg-deb -I/-c, lintian, desktop-file-validate) holds the app, the unpacked native modules, a valid
 * .desktop entry and every icon size, and declares its dependencies; and the packaged main, rebuilt from the
 * archive and the .deb's unpacked modules, starts under Node with a stand-in `electron` using nothing but what
 * was packaged. Takes about 25 s (electron-builder and lintian are most of it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBuilderConfig } from '../tools/builder-config';
import { ELECTRON_SHIPPED_FUSES, writeStandInElectron } from '../tools/stand-in-electron';

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
let output: string;
let appOutDir: string;
let standInDist: string;
let packager: { status: number | null; output: string };
let deb: string;
/** The .deb unpacked with dpkg-deb -x. */
let debRoot: string;

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, ''); // the log is colored when FORCE_COLOR is set

beforeAll(async () => {
  for (const built of [ENTRY, 'out/preload/preload.cjs', 'out/renderer/index.html']) {
    if (!existsSync(path.join(repoRoot, built))) throw new Error(`${built} is missing: run \`npm run build\` first (\`npm test\` does).`);
  }
  work = await mkdtemp(path.join(os.tmpdir(), 'peerline-package-'));
  standInDist = writeStandInElectron(path.join(work, 'electron-dist'));
  output = path.join(work, 'dist');
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/package-deb.mjs'), '--out', output, '--electron-dist', standInDist], {
    cwd: repoRoot,
    encoding: 'utf8',
    // electron-builder stays silent (but for errors) when it sees VITEST in the environment.
    env: { ...process.env, CI: '1', VITEST: undefined },
    timeout: 240_000,
  });
  packager = { status: result.status, output: plain(`${result.stdout}\n${result.stderr}${result.error ? `\n${String(result.error)}` : ''}`) };
  appOutDir = path.join(output, 'linux-unpacked');
  deb = result.stdout.trim().split('\n').at(-1) ?? '';
  debRoot = path.join(work, 'deb-root');
  if (result.status === 0) run('dpkg-deb', ['-x', deb, debRoot]);
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs a command to completion; its exit status and its stdout and stderr together. */
function run(command: string, args: readonly string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw new Error(`${command} could not run (${String(result.error)}): CI installs it (.ci/run); apt-get install lintian desktop-file-utils`);
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

describe('electron-builder --linux dir, offline', () => {
  it('packs without downloading anything', () => {
    expect(packager.status, packager.output).toBe(0);
    expect(packager.output).toContain('using custom unpacked Electron distribution');
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

  it('every native .node file is unpacked, the linux-x64 prebuilds of sodium-native, classic-level and udx-native included', () => {
    const { files } = readAsar(path.join(appOutDir, 'resources/app.asar'));
    const nativeFiles = [...files].filter(([name]) => name.endsWith('.node'));
    expect(nativeFiles.length).toBeGreaterThan(0);
    for (const [name, entry] of nativeFiles) {
      expect(entry.unpacked, `${name} is marked unpacked`).toBe(true);
      expect(existsSync(path.join(appOutDir, 'resources/app.asar.unpacked', name)), `${name} is in app.asar.unpacked`).toBe(true);
    }
    for (const addon of ['sodium-native/prebuilds/linux-x64/sodium-native.node', 'classic-level/prebuilds/linux-x64/classic-level.node', 'udx-native/prebuilds/linux-x64/udx-native.node']) {
      const prebuild = path.join(appOutDir, 'resources/app.asar.unpacked/node_modules', addon);
      expect(existsSync(prebuild), addon).toBe(true);
      expect(readFileSync(prebuild).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // an ELF shared object
    }
    // Runtimes we never run are left out.
    expect([...files.keys()].filter((name) => /\/prebuilds\/(android|ios)-|\.bare$/.test(name))).toEqual([]);
  });

  it('packs no update feed: the app never asks a server for updates', () => {
    expect(existsSync(path.join(appOutDir, 'resources/app-update.yml'))).toBe(false);
    const { files } = readAsar(path.join(appOutDir, 'resources/app.asar'));
    expect([...files.keys()].filter((name) => name.startsWith('node_modules/electron-updater/'))).toEqual([]);
  });
});

/** What electron-builder.yml's electronFuses asks for, fuse by fuse. */
const WANTED_FUSES: ReadonlyArray<readonly [FuseV1Options, boolean]> = [
  [FuseV1Options.RunAsNode, false],
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable, false],
  [FuseV1Options.EnableNodeCliInspectArguments, false],
  [FuseV1Options.EnableCookieEncryption, true],
  [FuseV1Options.OnlyLoadAppFromAsar, true],
  [FuseV1Options.GrantFileProtocolExtraPrivileges, false],
];
const fuseState = (on: boolean) => (on ? FuseState.ENABLE : FuseState.DISABLE);

describe('fuses, read back from the packaged binary with @electron/fuses', () => {
  it('the stand-in starts as Electron 45 ships: every fuse we set is the other way round before packaging', async () => {
    const wire = await getCurrentFuseWire(path.join(standInDist, 'electron'));
    expect(Object.keys(wire).filter((key) => key !== 'version')).toHaveLength(ELECTRON_SHIPPED_FUSES.length);
    for (const [fuse, on] of WANTED_FUSES) expect(wire[fuse], FuseV1Options[fuse]).toBe(fuseState(!on));
  });

  it.each(WANTED_FUSES.map(([fuse, on]) => [FuseV1Options[fuse], on, fuse] as const))('%s is %s in linux-unpacked/peerline and in the .deb', async (_name, on, fuse) => {
    for (const binary of [path.join(appOutDir, 'peerline'), path.join(debRoot, 'usr/lib/peerline/peerline')]) {
      const wire = await getCurrentFuseWire(binary);
      expect(wire[fuse], binary).toBe(fuseState(on));
    }
  });

  it('fuses the configuration does not name keep Electron\'s shipped state', async () => {
    const wire = await getCurrentFuseWire(path.join(appOutDir, 'peerline'));
    const named = new Set<number>(WANTED_FUSES.map(([fuse]) => fuse));
    for (let fuse = 0; fuse < ELECTRON_SHIPPED_FUSES.length; fuse++) {
      if (!named.has(fuse)) expect(String.fromCharCode(wire[fuse as FuseV1Options]!), FuseV1Options[fuse]).toBe(ELECTRON_SHIPPED_FUSES[fuse]);
    }
  });
});

describe('the .deb (scripts/package-deb.mjs, npm run package:deb)', () => {
  const config = readBuilderConfig();
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const iconSizes = readdirSync(path.join(repoRoot, 'build/icons')).filter((name) => /^\d+x\d+\.png$/.test(name)).map((name) => name.slice(0, -4));

  it('dpkg-deb -I: package peerline, amd64, in net, declaring every dependency electron-builder.yml lists', () => {
    const info = run('dpkg-deb', ['-I', deb]);
    expect(info.status, info.output).toBe(0);
    const field = (name: string) => new RegExp(`^ ${name}: (.*)$`, 'm').exec(info.stdout)?.[1];
    expect(field('Package')).toBe('peerline');
    expect(field('Version')).toBe(pkg.version);
    expect(field('Architecture')).toBe('amd64');
    expect(field('Section')).toBe('net');
    expect(field('Maintainer')).toMatch(/<.+@.+>/);
    const depends = (field('Depends') ?? '').split(', ');
    expect(config.deb.depends.length).toBeGreaterThan(0);
    for (const dependency of config.deb.depends) expect(depends, dependency).toContain(dependency);
  });

  it('dpkg-deb -c: the app, its native modules for this architecture unpacked, the launcher, a .desktop entry and every icon size', () => {
    const listing = run('dpkg-deb', ['-c', deb]);
    expect(listing.status, listing.output).toBe(0);
    const entries = new Map(listing.stdout.trim().split('\n').map((line) => {
      const [mode, , , , , name] = line.split(/\s+/);
      return [name!.replace(/^\.\//, ''), mode!] as const;
    }));
    for (const file of ['usr/lib/peerline/peerline', 'usr/lib/peerline/resources/app.asar', 'usr/share/applications/peerline.desktop', 'usr/share/doc/peerline/copyright', 'usr/share/doc/peerline/changelog.gz', 'usr/share/man/man1/peerline.1.gz']) {
      expect(entries.has(file), file).toBe(true);
    }
    expect(entries.get('usr/bin/peerline'), 'the command is a link to the app').toMatch(/^l/);
    expect(entries.get('usr/lib/peerline/chrome-sandbox'), 'Chromium\'s sandbox helper is setuid root').toMatch(/^-rws/);
    for (const size of iconSizes) expect(entries.has(`usr/share/icons/hicolor/${size}/apps/peerline.png`), size).toBe(true);
    const native = [...entries.keys()].filter((name) => name.endsWith('.node'));
    for (const addon of ['sodium-native/prebuilds/linux-x64/sodium-native.node', 'classic-level/prebuilds/linux-x64/classic-level.node', 'udx-native/prebuilds/linux-x64/udx-native.node']) {
      expect(native, addon).toContain(`usr/lib/peerline/resources/app.asar.unpacked/node_modules/${addon}`);
    }
    expect(native.filter((name) => !name.includes('/prebuilds/linux-x64/') || name.endsWith('.musl.node')), 'other platforms\' and musl prebuilds').toEqual([]);
  });

  it('lintian reports no error and no warning (the one override, in build/deb/lintian-overrides, says why)', () => {
    const report = run('lintian', ['--tag-display-limit', '0', deb]);
    const findings = report.stdout.split('\n').filter((line) => /^[EW]: /.test(line));
    expect(findings, report.output).toEqual([]);
    expect(report.status, report.output).toBe(0);
  });

  it('desktop-file-validate accepts the .desktop entry, which starts the installed command with the installed icon', () => {
    const desktopFile = path.join(debRoot, 'usr/share/applications/peerline.desktop');
    const validation = run('desktop-file-validate', [desktopFile]);
    expect(validation.output).toBe('');
    expect(validation.status).toBe(0);
    const entry = readFileSync(desktopFile, 'utf8');
    expect(entry).toMatch(/^Exec=peerline$/m);
    expect(entry).toMatch(/^Icon=peerline$/m);
    expect(entry).toMatch(/^Categories=.*InstantMessaging;/m);
  });

  it('the installed main starts from app.asar and the .deb\'s stripped native modules (stand-in electron, Node)', async () => {
    // Rebuild the app folder as Electron sees it: the archive's files, with the unpacked ones beside them.
    const resources = path.join(debRoot, 'usr/lib/peerline/resources');
    const { files, read } = readAsar(path.join(resources, 'app.asar'));
    const app = path.join(work, 'app'); // outside the repository: no node_modules above it to fall back on
    for (const [name, entry] of files) {
      if (entry.link !== undefined) continue;
      const target = path.join(app, name);
      const unpacked = path.join(resources, 'app.asar.unpacked', name);
      if (entry.unpacked && !existsSync(unpacked)) {
        // Left out of the .deb: a prebuild for another platform (Electron only looks for it if it loads it).
        expect(name).toMatch(/\/prebuilds\/(?!linux-x64\/)|\.musl\.node$/);
        continue;
      }
      mkdirSync(path.dirname(target), { recursive: true });
      if (entry.unpacked) cpSync(unpacked, target);
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
