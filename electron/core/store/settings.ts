/**
 * The settings table (`S\0settings`): the person's settings as the store keeps them, and the one-time import of the settings file that held them
 * before (`<dataDir>/settings.json`, written by electron/core/settings-file.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Batch } from './group-commit';
import { SETTINGS_KEY } from './layout';
import type { StoredSettings } from './types';
import { NotificationContentSchema } from '../../../shared/ipc/contract';
import { MAX_PROBE_ADDRESSES } from '../../../shared/protocol/limits';

/** What the person chose, kept across restarts. Absent fields fall back to the defaults of the day. */
export const StoredSettingsSchema = z.object({
  displayName: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  allowPlain: z.boolean().optional(),
  readReceipts: z.boolean().optional(),
  reachableByKey: z.boolean().optional(),
  nearbyVisible: z.boolean().optional(),
  nearbyLook: z.boolean().optional(),
  probeAddresses: z.array(z.string()).max(MAX_PROBE_ADDRESSES).optional(),
  notifications: NotificationContentSchema.optional(),
  closeToTray: z.boolean().optional(),
  startAtLogin: z.boolean().optional(),
  downloadDir: z.string().min(1).optional(),
  /** The DHT relay's key in hex; absent or '': none. */
  dhtRelay: z.string().regex(/^([0-9a-f]{64})?$/).optional(),
});

export const SETTINGS_FILE = 'settings.json';
/** What the settings file is renamed to once the store holds its settings. */
export const IMPORTED_SUFFIX = '.imported';

/** `value` as settings, dropping what does not fit (a damaged record gives defaults rather than a dead app). */
export function parseSettings(value: unknown): StoredSettings {
  const parsed = StoredSettingsSchema.safeParse(value);
  return parsed.success ? parsed.data : {};
}

/** `current` with the fields of `change` that are given (an undefined field leaves the current value). */
export function mergeSettings(current: StoredSettings, change: Partial<StoredSettings>): StoredSettings {
  const next: StoredSettings = { ...current };
  for (const [field, value] of Object.entries(change) as Array<[keyof StoredSettings, unknown]>) {
    if (value !== undefined) (next as Record<string, unknown>)[field] = value;
  }
  return next;
}

export interface SettingsImport {
  settings: StoredSettings;
  /** Set when a settings file was found and should be renamed once the store holds its settings. */
  file?: string;
  notice?: string;
}

/**
 * Reads `<dataDir>/settings.json` for a new store. Valid: its settings (the caller renames the file with
 * `finishImport` once they are stored). Damaged: renamed aside at once (`settings.json.damaged-<time>`),
 * defaults, and a sentence for the person. Missing: defaults.
 */
export async function readSettingsFile(dataDir: string, now: () => number): Promise<SettingsImport> {
  const file = path.join(dataDir, SETTINGS_FILE);
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: {} };
    return { settings: {}, notice: `The settings file ${file} could not be read (${(err as Error).message}); defaults are in use.` };
  }
  let parsed: ReturnType<typeof StoredSettingsSchema.safeParse> | null = null;
  try {
    parsed = StoredSettingsSchema.safeParse(JSON.parse(raw));
  } catch {
    parsed = null;
  }
  if (parsed?.success) return { settings: parsed.data, file };
  const kept = `${file}.damaged-${now()}`;
  const moved = await fs.rename(file, kept).then(
    () => true,
    () => false,
  );
  return { settings: {}, notice: `The settings file was damaged; ${moved ? `it was kept as ${kept}` : 'it was left as it is'} and defaults are in use.` };
}

/**
 * Renames an imported settings file so it is not read again. The store holds its settings now, so a failure
 * only leaves the old file in place (a store that exists never imports again).
 */
export async function finishImport(file: string): Promise<void> {
  await fs.rename(file, file + IMPORTED_SUFFIX).catch(() => {});
}

/** The settings in memory; written whole with each change. */
export class SettingsTable {
  constructor(private current: StoredSettings) {}

  get(): StoredSettings {
    return { ...this.current };
  }

  /** Sets the fields given (undefined ones are left as they are), in memory and in `batch`. */
  update(batch: Batch, change: Partial<StoredSettings>): StoredSettings {
    this.current = mergeSettings(this.current, change);
    batch.setLatest(SETTINGS_KEY, this.current);
    return { ...this.current };
  }
}
