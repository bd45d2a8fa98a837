/**
 * The unread total outside the window: the dock/taskbar badge (`app.setBadgeCount`: macOS, and Linux launchers
 * that support it), on Windows an overlay icon on the taskbar button (Windows has no badge count), and a flash of
 * the taskbar button when a message arrives while the window is not focused. Electron objects are arguments.
 */
import type { NativeImage } from 'electron';

export interface BadgeWindow {
  isDestroyed(): boolean;
  isFocused(): boolean;
  setOverlayIcon(overlay: NativeImage | null, description: string): void;
  flashFrame(flag: boolean): void;
}

export interface BadgeServiceOptions {
  app: { setBadgeCount(count?: number): boolean };
  platform: NodeJS.Platform;
  getWindow: () => BadgeWindow | null;
  /** The overlay image for Windows (a dot), made once. */
  overlayIcon: () => NativeImage;
}

/** A filled dot as a BGRA bitmap, `size` pixels square: the Windows overlay (nativeImage.createFromBitmap). */
export function dotBitmap(size: number, [r, g, b]: readonly [number, number, number] = [0xd9, 0x30, 0x25]): Buffer {
  const bitmap = Buffer.alloc(size * size * 4);
  const radius = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - radius;
      const dy = y + 0.5 - radius;
      if (dx * dx + dy * dy > radius * radius) continue;
      bitmap.set([b, g, r, 0xff], (y * size + x) * 4);
    }
  }
  return bitmap;
}

export class BadgeService {
  private total = 0;
  private overlay: NativeImage | null = null;

  constructor(private readonly opts: BadgeServiceOptions) {}

  /** The unread total changed. */
  update(total: number): void {
    if (total === this.total) return;
    this.total = total;
    this.opts.app.setBadgeCount(total);
    if (this.opts.platform !== 'win32') return;
    const win = this.liveWindow();
    if (!win) return;
    this.overlay ??= this.opts.overlayIcon();
    win.setOverlayIcon(total > 0 ? this.overlay : null, total > 0 ? `${total} unread` : '');
    if (total === 0) win.flashFrame(false);
  }

  /** A message arrived: on Windows, the taskbar button flashes until the window is focused. */
  messageArrived(): void {
    const win = this.liveWindow();
    if (this.opts.platform === 'win32' && win && !win.isFocused()) win.flashFrame(true);
  }

  /** The window was made again: it gets the overlay the count calls for. */
  windowCreated(): void {
    const total = this.total;
    this.total = -1;
    this.update(total);
  }

  private liveWindow(): BadgeWindow | null {
    const win = this.opts.getWindow();
    return win && !win.isDestroyed() ? win : null;
  }
}
