/**
 * electron-builder.yml, read as electron-builder reads it: the targets per platform, the app id shared with the
 * main process, native modules unpacked, the fuses, no update feed, and no signing secret in the file.
 * (tests/main/packaging-linux-dir.test.ts packs the app and checks the result.)
 */
import { describe, expect, it } from 'vitest';
import { APP_ID } from '../../shared/app-id';
import { readBuilderConfig } from '../tools/builder-config';

const config = readBuilderConfig();

/** Keys under which electron-builder would take a certificate, a password or a signing identity from the file. */
const SIGNING_KEYS = new Set([
  'cscLink',
  'cscKeyPassword',
  'certificateFile',
  'certificatePassword',
  'certificateSubjectName',
  'certificateSha1',
  'identity',
  'signtoolOptions',
  'azureSignOptions',
  'sign',
  'notarize',
  'keychain',
]);

function keysDeep(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [`${prefix}${key}`, ...keysDeep(child, `${prefix}${key}.`)]);
}

describe('electron-builder.yml', () => {
  it('uses shared/app-id.ts\'s APP_ID as appId, the id the main process gives Windows (AppUserModelID)', () => {
    expect(config.appId).toBe(APP_ID);
  });

  it('builds deb and AppImage for Linux, nsis for Windows, dmg and zip for macOS', () => {
    expect([...config.linux.target].sort()).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toBe('nsis');
    expect([...config.mac.target].sort()).toEqual(['dmg', 'zip']);
  });

  it('unpacks every .node file from the archive', () => {
    expect(config.asarUnpack).toContain('**/*.node');
  });

  it('sets the fuses: no run-as-node, NODE_OPTIONS or --inspect; cookies encrypted; app.asar only; no file:// privileges', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('publishes nothing, so no auto-update feed is built into the app', () => {
    expect(config).toHaveProperty('publish', null);
  });

  it('holds no signing certificate, password or identity: signing comes from the environment only', () => {
    const found = keysDeep(config).filter((key) => SIGNING_KEYS.has(key.split('.').at(-1)!));
    expect(found).toEqual([]);
  });
});
