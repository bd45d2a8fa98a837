/**
 * Start at login (off unless the person turns it on), started hidden (`--hidden`): macOS and Windows through
 * `app.setLoginItemSettings`, Linux through an XDG autostart entry. The app, the file writes and the paths come
 * in as arguments.
 */
import path from 'node:path';

/** The flag a login start passes: the app starts with no window shown (the tray, or a second launch, opens it). */
export const HIDDEN_FLAG = '--hidden';

export interface LoginItemOptions {
  app: { setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean; args?: string[] }): void };
  platform: NodeJS.Platform;
  /** The executable to start (process.execPath), for the Linux autostart entry. */
  execPath: string;
  /** `$XDG_CONFIG_HOME`, or `~/.config`. */
  configDir: string;
  writeFile: (file: string, text: string) => Promise<void>;
  removeFile: (file: string) => Promise<void>;
}

/** Whether this start should show no window: a login start. */
export function startsHidden(argv: readonly string[]): boolean {
  return argv.includes(HIDDEN_FLAG);
}

/** The XDG autostart entry (Desktop Entry Specification); the path is quoted as Exec wants. */
export function autostartEntry(execPath: string): string {
  const quoted = `"${execPath.replace(/(["`$\\])/g, '\\$1')}"`;
  return ['[Desktop Entry]', 'Type=Application', 'Name=Peerline', `Exec=${quoted} ${HIDDEN_FLAG}`, 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}

export class LoginItemService {
  private applied: boolean | null = null;

  constructor(private readonly opts: LoginItemOptions) {}

  get autostartFile(): string {
    return path.join(this.opts.configDir, 'autostart', 'peerline.desktop');
  }

  /** Makes the system start Peerline at login, or not; only when the setting changed. */
  async apply(startAtLogin: boolean): Promise<void> {
    if (startAtLogin === this.applied) return;
    this.applied = startAtLogin;
    if (this.opts.platform === 'linux') {
      if (startAtLogin) await this.opts.writeFile(this.autostartFile, autostartEntry(this.opts.execPath));
      else await this.opts.removeFile(this.autostartFile);
      return;
    }
    this.opts.app.setLoginItemSettings({ openAtLogin: startAtLogin, openAsHidden: true, args: [HIDDEN_FLAG] });
  }
}
