/**
 * The tray icon: the unread count (tooltip, and the title next to the icon on macOS), and a menu with Open and
 * Quit; clicking the icon opens the window. With "close to tray", closing the window hides it and Peerline goes
 * on receiving; quitting still quits. Electron's Tray and Menu come in as arguments.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface TrayLike {
  setToolTip(text: string): void;
  setTitle?(title: string): void;
  setContextMenu(menu: unknown): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface TrayServiceOptions {
  createTray: () => TrayLike;
  buildMenu: (template: MenuItemConstructorOptions[]) => unknown;
  platform: NodeJS.Platform;
  open: () => void;
  quit: () => void;
}

/** What the close-to-tray guard needs of the window. */
export interface ClosableWindow {
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown;
  hide(): void;
}

export function unreadLabel(total: number): string {
  return total === 0 ? 'No unread messages' : total === 1 ? '1 unread message' : `${total} unread messages`;
}

export class TrayService {
  private tray: TrayLike | null = null;
  private total = 0;
  private closeToTray = false;
  private quitting = false;

  constructor(private readonly opts: TrayServiceOptions) {}

  /** Shows the icon (once). */
  start(): void {
    if (this.tray) return;
    this.tray = this.opts.createTray();
    this.tray.on('click', () => this.opts.open());
    this.render();
  }

  setUnread(total: number): void {
    if (total === this.total) return;
    this.total = total;
    this.render();
  }

  setCloseToTray(on: boolean): void {
    this.closeToTray = on;
  }

  /** The app is quitting: closing windows closes them. */
  markQuitting(): void {
    this.quitting = true;
  }

  /** Closing `win` hides it instead, while close-to-tray is on and the app is not quitting. */
  guardClose(win: ClosableWindow): void {
    win.on('close', (event) => {
      if (!this.closeToTray || this.quitting || !this.tray) return;
      event.preventDefault();
      win.hide();
    });
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = null;
  }

  private render(): void {
    const tray = this.tray;
    if (!tray) return;
    const label = unreadLabel(this.total);
    tray.setToolTip(this.total > 0 ? `Peerline: ${label}` : 'Peerline');
    if (this.opts.platform === 'darwin') tray.setTitle?.(this.total > 0 ? String(this.total) : '');
    // Linux needs the menu set again for a change to show.
    tray.setContextMenu(
      this.opts.buildMenu([
        { label, enabled: false },
        { type: 'separator' },
        { label: 'Open Peerline', click: () => this.opts.open() },
        { label: 'Quit', click: () => this.opts.quit() },
      ]),
    );
  }
}
