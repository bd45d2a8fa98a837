import type { ContractHandlers, DialBack, DoctorReport } from '../../../../shared/ipc/contract';
import { AppError } from '../../../../shared/ipc/result';
import type { SessionKey } from '../../../../shared/ids';
import { encodeInvite, MAX_INVITE_ADDRESSES } from '../../../../shared/invite-link';
import { notConnectedTo } from '../../../../shared/validation';
import type { ChannelSession } from '../../channels';
import type { NatType } from '../../dht/dht-transport';
import { DialError, SET_A_RELAY_ADVICE } from '../../errors';
import type { ConversationContext } from '../conversations/context';
import { REACH_CHANNEL, type ProbeVia, type ReachMessage } from './codec';

type ReachHandlers = Pick<ContractHandlers, 'node:doctor' | 'peer:dial-back'>;

/** Probes we run for others at once, in all: each is one dial of ours, to the asker itself. */
const MAX_PROBES_AT_ONCE = 4;
/** How long we wait for a contact's answer beyond its own dial deadline. */
const ANSWER_MARGIN_MS = 5_000;

const REACHABILITY: Record<NatType, string> = {
  open: 'The DHT reaches you unasked: anyone with your key can connect to you directly.',
  consistent: 'You are behind a NAT that keeps your port: contacts reach you by key through a punched hole.',
  random: 'You are behind a NAT that changes your port for each peer: contacts behind a similar NAT may not reach you.',
  unknown: 'The DHT has not found out yet how you can be reached.',
};

/** What the NAT type means for being reached, and what the relay (set or not) does about a NAT hard to punch. */
function reachability(natType: NatType, relaySet: boolean): string {
  if (natType !== 'random') return REACHABILITY[natType];
  return `${REACHABILITY.random} ${relaySet ? 'Your relay carries those sessions.' : SET_A_RELAY_ADVICE}`;
}

/**
 * "Check my connectivity": what we know of our own reachability (the doctor's report), and the dial-back test a
 * connected contact runs for us on the `reach/1` channel ("can you reach me at X?"). We run it only for accepted
 * contacts, and only ever dial the asker itself — its address as the session sees it, at the port it names, or
 * its key — one probe per session at a time, so the test cannot aim our dials at anyone else.
 */
export class ReachFeature {
  readonly handlers: ReachHandlers;
  private nextNonce = 1;
  private readonly waiting = new Map<number, (message: Extract<ReachMessage, { type: 'result' }>) => void>();
  private readonly probing = new Set<SessionKey>();

  constructor(private readonly ctx: ConversationContext) {
    ctx.node.channel(REACH_CHANNEL, { message: (session, message) => this.onMessage(session, message) });
    this.handlers = {
      'node:doctor': async () => this.report(),
      'peer:dial-back': async ({ peer, via }) => this.dialBack(peer, via),
    };
  }

  report(): DoctorReport {
    const { node } = this.ctx;
    const addresses = node.dialableAddresses();
    const dht = node.dhtStatus();
    return {
      host: node.listeningHost,
      port: node.port,
      addresses,
      reachableByKey: node.reachableByKey,
      link: encodeInvite({ key: node.id, addresses: addresses.slice(0, MAX_INVITE_ADDRESSES), name: node.displayName }),
      dht: dht && { ...dht, reachability: reachability(dht.natType, dht.relay !== null) },
    };
  }

  private async dialBack(peer: string, via: ProbeVia): Promise<DialBack> {
    const { id } = this.ctx.directory.contactOf(peer);
    const key = this.ctx.presence.onlineKey(id);
    const session = key ? this.ctx.node.session(key, REACH_CHANNEL) : null;
    if (!session) throw new AppError('not-connected', notConnectedTo(peer));
    const nonce = this.nextNonce++ >>> 0;
    const answer = new Promise<Extract<ReachMessage, { type: 'result' }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(nonce);
        reject(new AppError('dial-timeout', 'The contact did not answer the test in time.'));
      }, this.ctx.node.timeouts.dhtConnectMs + ANSWER_MARGIN_MS);
      this.waiting.set(nonce, (message) => {
        clearTimeout(timer);
        this.waiting.delete(nonce);
        resolve(message);
      });
    });
    session.send({ type: 'probe', nonce, via, port: via === 'tcp' ? this.ctx.node.port : 0 });
    const result = await answer;
    return { tried: result.tried, reachable: result.reachable, ...(!result.reachable && { reason: result.reason }) };
  }

  private onMessage(session: ChannelSession<ReachMessage>, message: ReachMessage): void {
    if (message.type === 'result') {
      this.waiting.get(message.nonce)?.(message);
      return;
    }
    void this.probe(session, message);
  }

  private async probe(session: ChannelSession<ReachMessage>, request: Extract<ReachMessage, { type: 'probe' }>): Promise<void> {
    const { node } = this.ctx;
    const answer = (tried: string, reachable: boolean, reason = ''): void => {
      session.send({ type: 'result', nonce: request.nonce, reachable, tried, reason });
    };
    // Only accepted contacts may have us dial: a stranger (or a message request) cannot spend our dials.
    const contact = this.ctx.store.contactByKey(session.key);
    if (!contact || contact.request || contact.blocked) return answer('nothing', false, 'Only a contact who accepted you can run this test.');
    if (this.probing.has(session.key) || this.probing.size >= MAX_PROBES_AT_ONCE) {
      return answer('nothing', false, 'Busy with another test; try again in a moment.');
    }
    this.probing.add(session.key);
    let tried = 'nothing';
    try {
      const target = request.via === 'tcp' ? node.probeAddressOf(session.key, request.port) : null;
      tried = target ?? 'your key on the DHT';
      if (request.via === 'tcp' && target === null) throw new DialError('closed', 'The session ended before the test.');
      await node.probe(request.via === 'tcp' ? { address: target! } : { key: session.key });
      answer(tried, true);
    } catch (err) {
      answer(tried, false, err instanceof Error ? err.message : String(err));
    } finally {
      this.probing.delete(session.key);
    }
  }
}
