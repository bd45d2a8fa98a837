/**
 * A stand-in for Electron's Linux distribution, for packaging offline (the real zip cannot be downloaded here).
 * electron-builder copies an `electronDist` folder and renames `electron` to the executable name; the .deb
 * tooling reads `version` and sets `chrome-sandbox` setuid. So the stand-in holds those files, with Electron's
 * own names, and its `electron` is a shell script that carries a fuse wire the way the real binary does:
 *
 *   SENTINEL, then one byte: wire version (1), one byte: number of fuses, then one byte per fuse:
 *   '0' off, '1' on, 'r' removed
 *
 * (the format @electron/fuses finds and rewrites). The wire starts as Electron 45 ships it, so a fuse read back
 * from the packaged binary in its wanted state was flipped by the packaging, not born that way. The wire sits
 * in a shell comment: the script still runs, and only says it is a stand-in.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** @electron/fuses' sentinel: the fuse wire follows it in the Electron binary. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_WIRE_VERSION = 1;

/**
 * Electron 45's fuses as it ships them, in wire order (FuseV1Options): RunAsNode, EnableCookieEncryption,
 * EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments, EnableEmbeddedAsarIntegrityValidation,
 * OnlyLoadAppFromAsar, LoadBrowserProcessSpecificV8Snapshot, GrantFileProtocolExtraPrivileges, WasmTrapHandlers.
 */
export const ELECTRON_SHIPPED_FUSES = '101100011';

/** Writes the stand-in distribution into `dir` (created) and returns `dir`. */
export function writeStandInElectron(dir: string, fuses = ELECTRON_SHIPPED_FUSES): string {
  mkdirSync(dir, { recursive: true });
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL), Buffer.from([FUSE_WIRE_VERSION, fuses.length]), Buffer.from(fuses)]);
  const executable = Buffer.concat([
    Buffer.from('#!/bin/sh\n# fuse wire: '),
    wire,
    Buffer.from('\necho "stand-in for the Electron binary (packaging test)" >&2\nexit 1\n'),
  ]);
  writeFileSync(path.join(dir, 'electron'), executable);
  chmodSync(path.join(dir, 'electron'), 0o755);
  writeFileSync(path.join(dir, 'chrome-sandbox'), '#!/bin/sh\n# stand-in for Chromium\'s setuid sandbox helper\nexit 1\n');
  chmodSync(path.join(dir, 'chrome-sandbox'), 0o755);
  const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/electron/package.json'), 'utf8')) as { version: string };
  writeFileSync(path.join(dir, 'version'), version);
  writeFileSync(path.join(dir, 'LICENSE'), 'Stand-in for the Electron license (packaging test).\n');
  writeFileSync(path.join(dir, 'LICENSES.chromium.html'), '<!doctype html><title>Stand-in for the Chromium licenses</title>\n');
  return dir;
}
