import { afterEach, describe, expect, it } from 'vitest';
import { chmod, chown, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { secureDataDir } from '../../electron/core/data-dir';
import { loadOrCreateIdentity } from '../../electron/core/identity';
import { cleanUp, tempDir } from '../helpers/peers';

afterEach(cleanUp);

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

describe.skipIf(process.platform === 'win32')('the data directory is private', () => {
  it('a new data directory is 0700 and its identity file 0600', async () => {
    const dataDir = path.join(await tempDir(), 'deeper', 'Peerline');
    await loadOrCreateIdentity(dataDir);
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(path.join(dataDir, 'identity.json'))).toBe(0o600);
  });

  it('an existing 0755 data directory (history world-readable) is made 0700, its files 0600', async () => {
    const dataDir = await tempDir();
    await chmod(dataDir, 0o755);
    await loadOrCreateIdentity(dataDir);
    await mkdir(path.join(dataDir, 'store'), { mode: 0o755 });
    await writeFile(path.join(dataDir, 'store', '000003.log'), 'history', { mode: 0o644 });
    await writeFile(path.join(dataDir, 'settings.json'), '{}', { mode: 0o644 });
    await chmod(path.join(dataDir, 'identity.json'), 0o644);
    await chmod(dataDir, 0o755);

    const before = await loadOrCreateIdentity(dataDir);
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(path.join(dataDir, 'identity.json'))).toBe(0o600);
    expect(await modeOf(path.join(dataDir, 'store'))).toBe(0o700);
    expect(await modeOf(path.join(dataDir, 'store', '000003.log'))).toBe(0o600);
    expect(await modeOf(path.join(dataDir, 'settings.json'))).toBe(0o600);
    expect((await loadOrCreateIdentity(dataDir)).id).toBe(before.id);
  });

  it.each([0o777, 0o775, 0o757])('a data directory writable by others (mode %o: anyone could swap identity.json) is refused with a sentence', async (mode) => {
    const dataDir = await tempDir();
    await loadOrCreateIdentity(dataDir);
    await chmod(dataDir, mode);
    await expect(loadOrCreateIdentity(dataDir)).rejects.toThrow(/can be changed by other users .*chmod 700/);
    // Refused, not repaired behind the person's back: they should look at what is in it first.
    expect(await modeOf(dataDir)).toBe(mode);
  });

  it('a data directory that belongs to another user is refused', async () => {
    const dataDir = await tempDir();
    await chown(dataDir, 12345, 12345).catch(() => {});
    if ((await stat(dataDir)).uid !== 12345) return; // not root: cannot set the scene
    await expect(loadOrCreateIdentity(dataDir)).rejects.toThrow(/belongs to another user/);
  });

  it('a planted identity.json symlink is refused, and its target is neither read nor chmodded', async () => {
    const dataDir = await tempDir();
    const elsewhere = path.join(await tempDir(), 'precious.txt');
    await writeFile(elsewhere, 'not yours', { mode: 0o644 });
    await chmod(elsewhere, 0o644);
    await symlink(elsewhere, path.join(dataDir, 'identity.json'));
    await expect(loadOrCreateIdentity(dataDir)).rejects.toThrow(/identity file .* is a symbolic link/);
    expect(await modeOf(elsewhere)).toBe(0o644);
    expect(await readFile(elsewhere, 'utf8')).toBe('not yours');

    // A dangling one, too: it is not replaced by a fresh identity behind the person's back.
    const dangling = await tempDir();
    await symlink(path.join(dangling, 'nowhere'), path.join(dangling, 'identity.json'));
    await expect(loadOrCreateIdentity(dangling)).rejects.toThrow(/is a symbolic link/);
  });

  it('links inside the data directory are never followed when fixing modes', async () => {
    const dataDir = await tempDir();
    const elsewhere = await tempDir();
    const target = path.join(elsewhere, 'shared.txt');
    await writeFile(target, 'shared', { mode: 0o644 });
    await chmod(target, 0o644);
    await chmod(elsewhere, 0o755);
    await mkdir(path.join(dataDir, 'store'));
    await symlink(target, path.join(dataDir, 'store', 'LOG'));
    await symlink(target, path.join(dataDir, 'settings.json'));
    await secureDataDir(dataDir);
    expect(await modeOf(target)).toBe(0o644);
    expect(await modeOf(elsewhere)).toBe(0o755);

    // The store folder itself planted as a link to a folder elsewhere: not followed either.
    const other = await tempDir();
    await chmod(elsewhere, 0o755);
    await symlink(elsewhere, path.join(other, 'store'));
    await secureDataDir(other);
    expect(await modeOf(elsewhere)).toBe(0o755);
    expect(await modeOf(target)).toBe(0o644);
  });

  it('an identity file that is not a regular file is refused', async () => {
    const dataDir = await tempDir();
    await mkdir(path.join(dataDir, 'identity.json'));
    await expect(loadOrCreateIdentity(dataDir)).rejects.toThrow(/is not a regular file/);
  });
});
