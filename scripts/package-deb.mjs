#!/usr/bin/env node
/**
 * Builds Peerline's Debian package: electron-builder packs the built app for Linux x64 (`--dir`, from
 * electron-builder.yml: asar, unpacked native modules, fuses), then electron-installer-debian turns that folder
 * into a .deb with dpkg-deb (no download: fpm, which electron-builder's own deb target fetches, is not needed).
 * The package holds the app in /usr/lib/peerline, `peerline` in /usr/bin, a .desktop entry, the icons of
 * build/icons in every size, a DEP-5 copyright file, and declares electron-builder.yml's `deb.depends`.
 *
 *   node scripts/package-deb.mjs [--out DIR] [--electron-dist DIR]
 *
 * `npm run package:deb` runs it after `npm run build` (electron-builder downloads Electron on the first run);
 * tests/main/packaging-linux-dir.test.ts runs it offline with `--electron-dist` pointing at a stand-in Electron.
 * Prints the path of the .deb as its last line of output.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const BUILT_ENTRY = 'out/main/main.cjs';
const ICONS_DIR = path.join(repoRoot, 'build/icons');
const COPYRIGHT = path.join(repoRoot, 'build/deb/copyright');
const LINTIAN_OVERRIDES = path.join(repoRoot, 'build/deb/lintian-overrides');
const MANUAL_PAGE = path.join(repoRoot, 'build/deb/peerline.1');
// Like electron-installer-debian's, with Keywords, and no %U: Peerline opens no files or URLs given to it.
const DESKTOP_TEMPLATE = path.join(repoRoot, 'build/deb/peerline.desktop.ejs');
/** The one platform this package is for, as the prebuilds/ folders of native modules name it. */
const PREBUILD_PLATFORM = 'linux-x64';
/** Native modules built for musl libc (Alpine): never loaded on Debian. */
const MUSL_ADDON = /\.musl\.node$/;
const BUILDER_TIMEOUT_MS = 10 * 60_000;

const { values: args } = parseArgs({ options: { out: { type: 'string' }, 'electron-dist': { type: 'string' } } });
const out = path.resolve(args.out ?? path.join(repoRoot, 'dist'));

if (!existsSync(path.join(repoRoot, BUILT_ENTRY))) fail(`${BUILT_ENTRY} is missing: run \`npm run build\` first.`);

// electron-builder parses its YAML with js-yaml; reading the file with the same parser keeps one source of truth.
const config = require('js-yaml').load(readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8'));
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

const builderArgs = ['--linux', 'dir', '--x64', '--publish', 'never', `-c.directories.output=${out}`];
if (args['electron-dist']) builderArgs.push(`-c.electronDist=${path.resolve(args['electron-dist'])}`);
const builder = spawnSync(process.execPath, [require.resolve('electron-builder/cli.js'), ...builderArgs], {
  cwd: repoRoot,
  stdio: 'inherit',
  timeout: BUILDER_TIMEOUT_MS,
});
if (builder.status !== 0) fail(`electron-builder failed (${builder.error ?? `exit ${builder.status}`})`);

const { Installer } = await import(pathToFileURL(require.resolve('electron-installer-debian')).href);

/**
 * electron-installer-debian's installer, made to pass lintian: Peerline's copyright file, a changelog, a manual
 * page, commented lintian overrides, and only the native modules this architecture loads, stripped.
 */
class PeerlineDebInstaller extends Installer {
  get contentFunctions() {
    return [...super.contentFunctions, 'createChangelog', 'createManualPage'];
  }

  async copyApplication() {
    await super.copyApplication();
    const unpacked = path.join(this.stagingAppDir, 'resources/app.asar.unpacked');
    if (existsSync(unpacked)) await keepNativeModulesFor(unpacked);
  }

  // dpkg checks installed files against DEBIAN/md5sums (`dpkg --verify`); written once every file is in place.
  async createPackage() {
    const files = (await readdir(this.stagingDir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && !path.relative(this.stagingDir, entry.parentPath).startsWith('DEBIAN'))
      .map((entry) => path.join(entry.parentPath, entry.name))
      .sort();
    const sums = files.map((file) => `${createHash('md5').update(readFileSync(file)).digest('hex')}  ${path.relative(this.stagingDir, file)}\n`);
    await writeFile(path.join(this.stagingDir, 'DEBIAN/md5sums'), sums.join(''), { mode: 0o644 });
    await super.createPackage();
  }

  // The default copies Electron's LICENSE as the package's copyright: the wrong owner and not DEP-5.
  async copyLicense(copyrightFile) {
    await copyFile(COPYRIGHT, copyrightFile);
  }

  // The default template writes bare tags; ours carries the reason for each (lintian reads `#` comments).
  async createOverrides() {
    await this.writeShared('lintian/overrides', this.options.name, readFileSync(LINTIAN_OVERRIDES));
  }

  async createChangelog() {
    const { name, version, maintainer } = this.options;
    const entry = `${name} (${version}) unstable; urgency=medium\n\n  * Peerline ${version}.\n\n -- ${maintainer}  ${debianDate(new Date())}\n`;
    await this.writeShared(`doc/${name}`, 'changelog.gz', gzipSync(entry, { level: 9 }));
  }

  async createManualPage() {
    await this.writeShared('man/man1', `${this.options.name}.1.gz`, gzipSync(readFileSync(MANUAL_PAGE), { level: 9 }));
  }

  /** Writes `contents` to usr/share/<dir>/<file> in the package, mode 0644. */
  async writeShared(dir, file, contents) {
    const target = path.join(this.stagingDir, this.baseAppDir, 'share', dir);
    await mkdir(target, { recursive: true, mode: 0o755 });
    await writeFile(path.join(target, file), contents, { mode: 0o644 });
  }
}

/**
 * Drops the prebuilds of other platforms and architectures, and musl ones, from `unpacked` (a copy of
 * app.asar.unpacked), and strips the rest: an amd64 package carries amd64 glibc code only, without debug
 * symbols (dynamic symbols, which Node's addon loader needs, stay).
 */
async function keepNativeModulesFor(unpacked) {
  const entries = await readdir(unpacked, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isDirectory() && path.basename(entry.parentPath) === 'prebuilds' && entry.name !== PREBUILD_PLATFORM) {
      await rm(full, { recursive: true, force: true });
    }
  }
  for (const entry of await readdir(unpacked, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.node')) continue;
    const full = path.join(entry.parentPath, entry.name);
    if (MUSL_ADDON.test(entry.name)) await rm(full);
    else run('strip', ['--strip-unneeded', full]);
  }
}

/** A date as Debian changelogs write it (RFC 5322): `Mon, 07 Dec 2026 19:24:00 +0000`. */
function debianDate(date) {
  return date.toUTCString().replace('GMT', '+0000');
}

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { encoding: 'utf8' });
  if (result.status !== 0) fail(`${command} ${commandArgs.join(' ')} failed: ${result.error ?? result.stderr}`);
}

const icons = Object.fromEntries(
  readdirSync(ICONS_DIR)
    .filter((name) => /^\d+x\d+\.png$/.test(name))
    .map((name) => [name.slice(0, -'.png'.length), path.join(ICONS_DIR, name)]),
);

const installer = new PeerlineDebInstaller({
  src: path.join(out, 'linux-unpacked'),
  dest: out,
  arch: 'amd64',
  logger: () => {},
  rename: (dest) => path.join(dest, '<%= name %>_<%= version %>_<%= arch %>.deb'),
  options: {
    name: config.linux.executableName,
    productName: config.productName,
    bin: config.linux.executableName,
    genericName: 'Messenger',
    description: config.linux.synopsis,
    // Lines under 80 columns (lintian's limit, counting the leading space).
    productDescription: [
      'Peerline is a desktop messenger with no server in the middle: each running',
      'Peerline listens for and dials other Peerlines over direct TCP connections,',
      'end-to-end encrypted (Noise XX with ed25519 keys). Messages wait in a',
      'crash-safe store until they are on the other side.',
    ].join('\n'),
    section: 'net',
    desktopTemplate: DESKTOP_TEMPLATE,
    categories: ['Network', 'InstantMessaging'],
    homepage: pkg.homepage,
    icon: icons,
    depends: config.deb.depends,
  },
});
await installer.generateDefaults();
await installer.generateOptions();
await installer.createStagingDir();
await installer.createContents();
await installer.createPackage();
await installer.movePackage();
console.log(installer.options.packagePaths[0]);

function fail(message) {
  console.error(`package-deb: ${message}`);
  process.exit(1);
}
