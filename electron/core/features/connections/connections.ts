import type { ContractHandlers, Conversation } from '../../../../shared/ipc/contract';
import { AppError } from '../../../../shared/ipc/result';
import { parsePeerAddress } from '../../../../shared/address';
import { notConnectedTo } from '../../../../shared/validation';
import type { ConnectionMode } from '../../connection';
import { Reconnector } from '../../reconnector';
import type { ContactDirectory } from '../contacts/directory';
import type { FeatureContext } from '../context';
import type { ConversationContext } from '../conversations/context';
import { rethrowForPeople } from '../refusals';

type ConnectionHandlers = Pick<ContractHandlers, 'peer:connect' | 'peer:cancel-connect' | 'peer:disconnect' | 'contact:reconnect'>;

/**
 * The reconnector that dials known contacts again by itself, with backoff, at their stored addresses. A dial
 * counts once its session has been taken in, and only if it reached that contact.
 */
export function createReconnector(ctx: FeatureContext, directory: ContactDirectory): Reconnector {
  const { node, steps } = ctx;
  return new Reconnector({
    dial: async (peer, address, signal) => {
      const parsed = parsePeerAddress(address);
      if (!parsed.ok) throw new Error(parsed.error);
      const info = await node.connect(parsed.host, parsed.port, 'secure', signal);
      await steps.chain.settled(info.peer);
      // Someone else answers there now (another contact moved in): this contact is still to be found.
      if (directory.peerOf(info.peer) !== peer) throw new Error(`${address} is now another peer`);
    },
    backoff: { initialMs: node.timeouts.reconnectInitialMs, maxMs: node.timeouts.reconnectMaxMs },
  });
}

/**
 * The person's dialing: connects (cancellable by attempt), disconnects, and "reconnect now". What a session
 * means (which contact, a changed key) is the contacts feature's; a connect here answers once it is taken in.
 */
export class ConnectionsFeature {
  readonly handlers: ConnectionHandlers;
  private readonly attempts = new Map<string, AbortController>();

  constructor(
    private readonly ctx: ConversationContext,
  ) {
    this.handlers = {
      'peer:connect': async ({ host, port, mode, attempt }) => this.connect(host, port, mode, { attempt }),
      'peer:cancel-connect': async ({ attempt }) => {
        this.attempts.get(attempt)?.abort();
        return null;
      },
      'peer:disconnect': async ({ peer }) => {
        const { id } = this.ctx.directory.contactOf(peer);
        const key = this.ctx.presence.onlineKey(id);
        if (!key) throw new AppError('not-connected', notConnectedTo(peer));
        this.ctx.reconnector.pause(id);
        await this.ctx.node.disconnect(key).catch(rethrowForPeople);
        return null;
      },
      'contact:reconnect': async ({ peer }) => {
        const contact = this.ctx.directory.contactOf(peer);
        if (contact.mode !== 'secure' || contact.addresses.length === 0) throw new AppError('invalid-request', 'Peerline has no address to dial for this contact.');
        this.ctx.reconnector.resume(peer);
        this.ctx.reconnector.dialNow(peer);
        return null;
      },
    };
  }

  close(): void {
    this.ctx.reconnector.close();
    for (const controller of this.attempts.values()) controller.abort();
  }

  /**
   * Dials `host:port` and answers with the conversation once the session is taken in. `attempt` names it for
   * `peer:cancel-connect`; `fingerprint` is the key the peer must show (a nearby announcement's).
   */
  async connect(host: string, port: number, mode: ConnectionMode, opts: { attempt?: string; fingerprint?: string } = {}): Promise<Conversation> {
    const { attempt, fingerprint } = opts;
    const controller = new AbortController();
    if (attempt) this.attempts.set(attempt, controller);
    try {
      const info = await this.ctx.node.connect(host, port, mode, controller.signal, fingerprint).catch(rethrowForPeople);
      await this.ctx.steps.chain.settled(info.peer);
      const peer = this.ctx.directory.peerOf(info.peer);
      this.ctx.reconnector.resume(peer);
      return this.ctx.views.conversation(peer);
    } finally {
      if (attempt) this.attempts.delete(attempt);
    }
  }
}
