import type { ContractHandlers, Conversation, Message } from '../../../../shared/ipc/contract';
import { notificationText, shouldNotify } from '../../../../shared/notifications';
import type { ConversationContext } from '../conversations/context';

type AttentionHandlers = Pick<ContractHandlers, 'conversation:viewing'>;

/**
 * What the person should be told of: a window reports the conversation in view (`conversation:viewing`), and
 * each message received is weighed by `shouldNotify`; one that passes goes out as `message:notify`, written as
 * the notification setting says, with the conversation's unread count (one notification per conversation,
 * replaced by the next). The Electron main process shows it as a system notification, a `--ui` page as a Web
 * Notification.
 */
export class AttentionFeature {
  readonly handlers: AttentionHandlers;
  private inView: string | null = null;

  constructor(private readonly ctx: ConversationContext) {
    ctx.events.subscribe((event, payload) => {
      if (event === 'message:received') this.received(payload as Message);
    });
    this.handlers = {
      'conversation:viewing': async ({ peer }) => {
        this.inView = peer;
        return null;
      },
    };
  }

  private received(message: Message): void {
    const setting = this.ctx.store.settings().notifications ?? 'name-and-message';
    let conversation: Conversation | undefined;
    try {
      conversation = this.ctx.views.conversation(message.peer);
    } catch {
      // Removed meanwhile: nobody to tell about.
      return;
    }
    if (setting === 'off' || !shouldNotify(message, { setting, inView: this.inView, conversation })) return;
    const count = Math.max(1, conversation.unread);
    this.ctx.events.emit('message:notify', { peer: message.peer, ...notificationText(setting, conversation.name, message.text, count), count });
  }
}
