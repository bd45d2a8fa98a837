import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** What the person chose, kept across restarts. Absent fields fall back to the defaults of the day. */
const StoredSettingsSchema = z.object({
  displayName: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  allowPlain: z.boolean().optional(),
});
export type StoredSettings = z.output<typeof StoredSettingsSchema>;

const SETTINGS_FILE = 'settings.json';

/**
 * Settings in `settings.json` of the data directory, written through a temporary file and a rename so a crash
 * leaves the old or the new file, never half of one. A damaged file is set aside (kept, renamed) and defaults
 * are used, with the reason returned for the caller to tell the person.
 */
export class SettingsFile {
  private constructor(
    private readonly file: string,
    private current: StoredSettings,
  ) {}

  static async open(dataDir: string): Promise<{ settings: SettingsFile; problem: string | null }> {
    const file = path.join(dataDir, SETTINGS_FILE);
    let raw: string;
    try {
      raw = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return { settings: new SettingsFile(file, {}), problem: null };
    }
    let parsed: z.ZodSafeParseResult<StoredSettings>;
    try {
      parsed = StoredSettingsSchema.safeParse(JSON.parse(raw));
    } catch {
      parsed = { success: false } as z.ZodSafeParseResult<StoredSettings>;
    }
    if (parsed.success) return { settings: new SettingsFile(file, parsed.data), problem: null };
    const kept = `${file}.damaged-${Date.now()}`;
    await fs.rename(file, kept);
    return { settings: new SettingsFile(file, {}), problem: `The settings file was damaged; it was kept as ${kept} and defaults are in use.` };
  }

  get value(): Readonly<StoredSettings> {
    return this.current;
  }

  async update(change: StoredSettings): Promise<void> {
    this.current = { ...this.current, ...change };
    const temporary = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(temporary, JSON.stringify(this.current, null, 2) + '\n', { mode: 0o600 });
    await fs.rename(temporary, this.file);
  }
}
