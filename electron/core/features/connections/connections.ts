import type { ContractHandlers, Conversation } from '../../../../shared/ipc/contract';
import { AppError } from '../../../../shared/ipc/result';
import { parseDialTarget } from '../../../../shared/invite-link';
import { notConnectedTo } from '../../../../shared/validation';
import type { PeerInfo } from '../../peer-info';
import type { ConnectionMode } from '../../connection';
import { Reconnector } from '../../reconnector';
import type { ContactDirectory } from '../contacts/directory';
import type { FeatureContext } from '../context';
import type { ConversationContext } from '../conversations/context';
import { rethrowForPeople } from '../refusals';

type ConnectionHandlers = Pick<ContractHandlers, 'peer:connect' | 'peer:dial' | 'peer:cancel-connect' | 'peer:disconnect' | 'contact:reconnect'>;

/**
 * The reconnector that dials known contacts again by itself, with backoff, at their stored addresses. A dial
 * counts once its session has been taken in, and only if it reached that contact.
 */
export function createReconnector(ctx: FeatureContext, directory: ContactDirectory): Reconnector {
  const { node, steps } = ctx;
  return new Reconnector({
    dial: async (peer, address, signal) => {
      const parsed = parseDialTarget(address);
      if (!parsed.ok) throw new Error(parsed.error);
      const target = parsed.value;
      // A stored link (a contact met over the DHT) is dialed by key; a stored address races the DHT when it is on.
      const key = directory.contactOf(peer).key;
      const info =
        target.kind === 'key'
          ? await node.connectKey(target.invite.key, target.invite.addresses, signal)
          : node.reachableByKey && key !== undefined
            ? await node.connectKey(key, [address], signal)
            : await node.connect(target.host, target.port, 'secure', signal);
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
      'peer:dial': async ({ target, attempt }) => {
        const parsed = parseDialTarget(target);
        if (!parsed.ok) throw new AppError('invalid-request', parsed.error);
        const { value } = parsed;
        return this.connectBy(
          (signal) =>
            value.kind === 'key'
              ? this.ctx.node.connectKey(value.invite.key, value.invite.addresses, signal)
              : this.ctx.node.connect(value.host, value.port, 'secure', signal),
          attempt,
        );
      },
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
  connect(host: string, port: number, mode: ConnectionMode, opts: { attempt?: string; fingerprint?: string } = {}): Promise<Conversation> {
    return this.connectBy((signal) => this.ctx.node.connect(host, port, mode, signal, opts.fingerprint), opts.attempt);
  }

  /** Runs `dial` (by address, key or link) and answers with the conversation once the session is taken in. */
  private async connectBy(dial: (signal: AbortSignal) => Promise<PeerInfo>, attempt?: string): Promise<Conversation> {
    const controller = new AbortController();
    if (attempt) this.attempts.set(attempt, controller);
    try {
      const info = await dial(controller.signal).catch(rethrowForPeople);
      await this.ctx.steps.chain.settled(info.peer);
      const peer = this.ctx.directory.peerOf(info.peer);
      this.ctx.reconnector.resume(peer);
      return this.ctx.views.conversation(peer);
    } finally {
      if (attempt) this.attempts.delete(attempt);
    }
  }
}
