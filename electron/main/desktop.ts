/**
 * The desktop around the window: the app's events drive the notifications, the unread badge, the tray and the
 * login item. Each service gets its Electron objects from main; this only connects them to `AppService`, so
 * tests drive the whole of it with stand-ins.
 */
import type { Conversation, ContractHandlers, EventSink, Message, Settings } from '../../shared/ipc/contract';
import type { BadgeService } from './badge';
import type { LoginItemService } from './login';
import type { NotificationService } from './notifications';
import type { TrayService } from './tray';

export interface DesktopServices {
  notifications: NotificationService;
  badge: BadgeService;
  tray: TrayService;
  login: LoginItemService;
  log: (line: string) => void;
}

export class DesktopShell {
  /** Each conversation's unread count, as last told. */
  private readonly unread = new Map<string, number>();

  constructor(
    private readonly service: { subscribe(sink: EventSink): () => void; handlers: Pick<ContractHandlers, 'conversation:list' | 'settings:get'> },
    private readonly services: DesktopServices,
  ) {}

  /** Reads the conversations and settings as they are, then follows the events. */
  async start(): Promise<void> {
    const { services } = this;
    this.service.subscribe((event, payload) => {
      switch (event) {
        case 'message:notify':
          return services.notifications.show(payload as { peer: string; title: string; body: string });
        case 'message:received':
          if (!(payload as Message).fromMe) services.badge.messageArrived();
          return;
        case 'peer:updated':
          return this.setUnread(payload as Conversation);
        case 'conversation:removed':
          return this.forget((payload as { peer: string }).peer);
        case 'settings:updated':
          return this.applySettings(payload as Settings);
        default:
          return;
      }
    });
    services.tray.start();
    for (const conversation of await this.service.handlers['conversation:list']({})) this.unread.set(conversation.peer, conversation.unread);
    this.showTotal();
    this.applySettings(await this.service.handlers['settings:get']({}));
  }

  total(): number {
    let total = 0;
    for (const count of this.unread.values()) total += count;
    return total;
  }

  private setUnread({ peer, unread }: Conversation): void {
    this.unread.set(peer, unread);
    // Read (here or in another window): its notification has nothing left to tell.
    if (unread === 0) this.services.notifications.clear(peer);
    this.showTotal();
  }

  private forget(peer: string): void {
    this.unread.delete(peer);
    this.services.notifications.clear(peer);
    this.showTotal();
  }

  private showTotal(): void {
    const total = this.total();
    this.services.badge.update(total);
    this.services.tray.setUnread(total);
  }

  private applySettings(settings: Settings): void {
    this.services.tray.setCloseToTray(settings.closeToTray);
    this.services.login.apply(settings.startAtLogin).catch((err: unknown) => this.services.log(`start at login could not be changed: ${(err as Error).message}`));
  }
}
