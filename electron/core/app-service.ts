import { EventEmitter } from 'node:events';
import os from 'node:os';
import type { EventChannel } from '../../shared/ipc/channels';
import type { ContractHandlers, Conversation, EventPayload, EventSink, Identity, Message, NodeStatus, Settings } from '../../shared/ipc/contract';
import { AppError, type ErrorCode } from '../../shared/ipc/result';
import { parsePeerAddress } from '../../shared/address';
import { DEFAULT_PORT } from '../../shared/protocol/limits';
import type { ConnectionMode } from './connection';
import { DialError } from './errors';
import { fingerprintOf, loadOrCreateIdentity } from './identity';
import { KeyedChain } from './keyed-chain';
import { newMessageId } from './message-id';
import { PeerNode, UserError, type Inbox, type PeerInfo, type PeerNodeOptions } from './peer-node';
import { Reconnector } from './reconnector';
import { safetyNumber } from './safety-number';
import { Store, StoreError } from './store/store';
import type { ContactRecord, StoredMessage } from './store/types';
import { contactId, conversationId, directConversationId } from '../../shared/ids';
import { judgeKey, keyChangeNotice, pinKey, rememberAddress, shownName } from './trust';

/** A typing notice that is not renewed within this long has ended (the peer may have left mid-word). */
const TYPING_EXPIRES_MS = 6_000;
/** The longest last-message preview a conversation carries to the list. */
const PREVIEW_CHARS = 200;
/** Keys whose fingerprint and safety number are kept computed; past it the cache starts over (contacts are few). */
const MAX_KEY_FACTS = 1_024;

export interface AppServiceOptions {
  dataDir: string;
  appVersion: string;
  host?: string;
  /** Overrides the stored port (the command line's `--port`). */
  port?: number;
  /** Overrides the stored display name for this run, without storing it (the command line's `--name`). */
  name?: string;
  allowPlain?: boolean;
  limits?: PeerNodeOptions['limits'];
  timeouts?: PeerNodeOptions['timeouts'];
}

/** What is known of a contact only while the app runs. */
interface Presence {
  /** The key of the open session, when one is open. */
  onlineKey: string | null;
  typing: boolean;
  typingTimer: NodeJS.Timeout | null;
  lastReason?: string;
}

/** Sessions as the service has taken them in: `peer` is the contact's id, and the contact is stored. */
export interface SessionEvents {
  connected: [PeerInfo];
  disconnected: [{ peer: string; reason: string }];
}

/** A contact as scripts see it (`peerline --json`'s `contacts`). */
export interface ContactSummary {
  peer: string;
  name: string;
  mode: ConnectionMode;
  addresses: string[];
  online: boolean;
  verified: boolean;
}

/**
 * The implementation of the IPC contract over one PeerNode and the durable store: identity, settings, contacts,
 * conversations and their messages. Both transports (Electron IPC and the WebSocket of `peerline --ui`) reach it
 * through `dispatch`, so every request arrives validated; the CLI calls the same handlers. Events go to every
 * subscribed sink.
 *
 * Durability: a message is stored (queued) before it is handed to the peer, and a received one is stored before
 * it is acknowledged, so "delivered" means on the receiver's disk. The outbox is handed to the node at start,
 * and the node resends it on every new session until acknowledged; the receiver's store drops ids it has.
 */
export class AppService implements Inbox {
  readonly handlers: ContractHandlers;
  /** For the command line: a session opened or ended, told once the contact is stored, so commands can follow. */
  readonly sessions = new EventEmitter<SessionEvents>();
  private readonly sinks = new Set<EventSink>();
  private readonly presence = new Map<string, Presence>();
  /** Keys not pinned to any contact that still speak for one: a verified contact's new key awaiting approval. */
  private readonly unapprovedKeys = new Map<string, string>();
  private readonly attempts = new Map<string, AbortController>();
  private readonly contactSteps = new KeyedChain();
  /** Per session key, the newest chat still being stored: a peer's leaving is told after its last words. */
  private readonly lastReceive = new Map<string, Promise<void>>();
  private reconnectorRef: Reconnector | null = null;
  /** What went wrong while opening (a damaged file set aside): part of the node status every window loads. */
  private readonly startupProblems: string[] = [];
  /** Fingerprint and safety number by key: every conversation update carries them, and hashing is not free. */
  private readonly keyFacts = new Map<string, { fingerprint: string; safetyNumber: string }>();
  private nodeRef: PeerNode | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly store: Store,
    private readonly nameOverridden: boolean,
  ) {
    this.handlers = this.makeHandlers();
  }

  get node(): PeerNode {
    if (!this.nodeRef) throw new Error('AppService is not open yet.');
    return this.nodeRef;
  }

  private get reconnector(): Reconnector {
    if (!this.reconnectorRef) throw new Error('AppService is not open yet.');
    return this.reconnectorRef;
  }

  static async open(opts: AppServiceOptions): Promise<AppService> {
    const identity = await loadOrCreateIdentity(opts.dataDir);
    const { store, notices } = await Store.open(opts.dataDir).catch((err: unknown) => {
      if (err instanceof StoreError) throw new AppError('store-failed', err.message);
      throw err;
    });
    const stored = store.settings();
    const service = new AppService(store, opts.name !== undefined);
    service.startupProblems.push(...notices);
    const node = new PeerNode({
      identity,
      name: opts.name ?? stored.displayName ?? defaultName(),
      appVersion: opts.appVersion,
      host: opts.host,
      port: opts.port ?? stored.port ?? DEFAULT_PORT,
      allowPlain: opts.allowPlain ?? stored.allowPlain ?? true,
      limits: opts.limits,
      timeouts: opts.timeouts,
      inbox: service,
    });
    service.attach(node);
    for (const contact of store.contacts()) {
      if (contact.keyChange?.needsApproval) service.unapprovedKeys.set(contact.keyChange.key, contact.id);
    }
    try {
      await node.listen();
    } catch (err) {
      await store.close();
      throw new AppError('listen-failed', (err as Error).message);
    }
    await service.resumeDelivery();
    return service;
  }

  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Says goodbye to every peer, stops listening, and closes the store once every write is on disk. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.reconnector.close();
    for (const controller of this.attempts.values()) controller.abort();
    for (const presence of this.presence.values()) if (presence.typingTimer) clearTimeout(presence.typingTimer);
    await this.node.close();
    await this.store.close();
  }

  /** The contact a session key speaks for: `peer` of its contact, or the key itself for someone not yet stored. */
  peerOf(key: string): string {
    return this.store.contactByKey(key)?.id ?? this.unapprovedKeys.get(key) ?? key;
  }

  /** What went wrong while opening, in sentences for the person (a damaged store set aside, say). */
  startupNotices(): string[] {
    return [...this.startupProblems];
  }

  contactSummaries(): ContactSummary[] {
    return this.store.contacts().map((contact) => ({
      peer: contact.id,
      name: shownName(contact),
      mode: contact.mode,
      addresses: contact.addresses,
      online: this.presenceOf(contact.id).onlineKey !== null,
      verified: contact.verified,
    }));
  }

  private attach(node: PeerNode): void {
    this.nodeRef = node;
    this.reconnectorRef = new Reconnector({
      dial: async (peer, address, signal) => {
        const parsed = parsePeerAddress(address);
        if (!parsed.ok) throw new Error(parsed.error);
        const info = await node.connect(parsed.host, parsed.port, 'secure', signal);
        await this.contactSteps.settled(info.peer);
        // Someone else answers there now (another contact moved in): this contact is still to be found.
        if (this.peerOf(info.peer) !== peer) throw new Error(`${address} is now another peer`);
      },
      backoff: { initialMs: node.timeouts.reconnectInitialMs, maxMs: node.timeouts.reconnectMaxMs },
    });
    this.reconnectorRef.on('changed', (peer) => this.emitConversation(peer));
    node.on('connected', (info) => void this.contactSteps.run(info.peer, () => this.onConnected(info)).catch((err) => this.raise(err)));
    node.on('disconnected', ({ peer: key, reason, byPeerUser }) => {
      // Taken now, not when the step runs: a chat of a later session waits for this step, so must not be awaited by it.
      const lastWords = this.lastReceive.get(key);
      void this.contactSteps.run(key, async () => {
        await lastWords?.catch(() => {});
        this.onDisconnected(key, reason, byPeerUser);
      });
    });
    node.on('sent', ({ peer: key, id }) => this.onSent(this.peerOf(key), id));
    node.on('delivered', ({ peer: key, id }) => void this.changeStatus(this.peerOf(key), id, 'delivered').catch((err) => this.raise(err)));
    node.on('read', ({ peer: key, upTo }) => {
      // A key awaiting approval has not been shown any of our messages: nothing of ours can it have read.
      if (this.unapprovedKeys.has(key)) return;
      void this.onRead(this.peerOf(key), upTo).catch((err) => this.raise(err));
    });
    node.on('typing', ({ peer: key, active }) => this.setTyping(this.peerOf(key), active));
  }

  /**
   * At start: every waiting message goes back to the node (which sends it when its contact connects), messages
   * to plain-text peers, who cannot be reached again, fail, and every secure contact is dialed.
   */
  private async resumeDelivery(): Promise<void> {
    for (const message of await this.store.outbox()) {
      const contact = this.store.contact(contactId(message.conversation));
      if (!contact) continue;
      if (contact.mode === 'plain') {
        await this.changeStatus(message.conversation, message.id, 'failed', 'Peerline closed before this reached the plain-text peer, who cannot be reached again.');
      } else {
        // To the pinned key only: a key awaiting approval gets nothing until the person approves it.
        this.node.queue(contact.key!, { id: message.id, text: message.text, sentAt: message.sentAt });
      }
    }
    for (const contact of this.store.contacts()) {
      if (contact.mode === 'secure' && contact.addresses.length > 0) this.reconnector.track(contact.id, contact.addresses);
    }
  }

  // ---- Inbox: what the node hands over before it acknowledges ----

  /** Stores a chat before the node acknowledges it; a resend of a stored id is dropped here. */
  receive(key: string, chat: { id?: string; text: string; sentAt?: number }): Promise<void> {
    const stored = this.storeIncoming(key, chat);
    this.lastReceive.set(key, stored);
    void stored.finally(() => {
      if (this.lastReceive.get(key) === stored) this.lastReceive.delete(key);
    }).catch(() => {});
    return stored;
  }

  private async storeIncoming(key: string, chat: { id?: string; text: string; sentAt?: number }): Promise<void> {
    // The session's contact is saved by `onConnected`, queued before any of its chats.
    await this.contactSteps.settled(key);
    const peer = this.peerOf(key);
    const now = Date.now();
    const stored = await this.store.addIncoming(conversationId(peer), { id: chat.id ?? newMessageId(now), text: chat.text, sentAt: chat.sentAt ?? now, at: now });
    if (!stored) return;
    this.stopTyping(peer);
    this.emit('message:received', toMessage(stored));
    this.emitConversation(peer);
  }

  private emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void {
    for (const sink of this.sinks) sink(event, payload);
  }

  private raise(err: unknown): void {
    this.emit('error:raised', { code: 'internal', message: `Peerline could not update its store: ${(err as Error).message}` });
  }

  private makeHandlers(): ContractHandlers {
    return {
      'identity:get': async () => this.identity(),
      'identity:set-name': async ({ name }) => {
        await this.changeSettings({ displayName: name });
        return this.identity();
      },
      'node:status': async () => this.nodeStatus(),
      'peer:connect': async ({ host, port, mode, attempt }) => this.connect(host, port, mode, attempt),
      'peer:cancel-connect': async ({ attempt }) => {
        this.attempts.get(attempt)?.abort();
        return null;
      },
      'peer:disconnect': async ({ peer }) => {
        const key = this.presenceOf(peer).onlineKey;
        if (!key) throw new AppError('not-connected', `Not connected to ${peer}.`);
        this.reconnector.pause(peer);
        await this.node.disconnect(key).catch(rethrowForPeople);
        return null;
      },
      'peer:list': async () => this.conversations().filter((c) => c.state === 'online'),
      'conversation:list': async () => this.conversations(),
      'conversation:mark-read': async ({ peer }) => {
        const contact = this.contactOf(peer);
        if ((this.store.conversation(conversationId(peer))?.unread ?? 0) === 0) return null;
        const { newestIncoming } = await this.store.markRead(conversationId(peer));
        if (this.store.settings().readReceipts && newestIncoming && contact.mode === 'secure') await this.sendReadReceipt(peer, newestIncoming);
        this.emitConversation(peer);
        return null;
      },
      'message:send': async ({ peer, text }) => this.send(peer, text),
      'message:list': async ({ peer, before, after, around, limit }) => {
        this.contactOf(peer);
        try {
          const page = await this.store.page(conversationId(peer), { before, after, around, limit });
          return { messages: page.messages.map(toMessage), hasMore: page.hasMore, hasNewer: page.hasNewer };
        } catch (err) {
          rethrowForPeople(err);
        }
      },
      'message:typing': async ({ peer, active }) => {
        const key = this.trustedSessionKey(peer);
        if (key) this.node.setTyping(key, active);
        return null;
      },
      'message:retry': async ({ peer, id }) => this.retry(peer, id),
      'message:cancel': async ({ peer, id }) => {
        await this.cancel(peer, id);
        return null;
      },
      'message:search': async ({ query, limit }) => {
        const { hits, more } = await this.store.search(query, limit);
        return {
          results: hits.flatMap(({ conversation: peer, message }) => {
            const contact = this.store.contact(contactId(peer));
            return contact ? [{ peer, name: shownName(contact), message: toMessage(message) }] : [];
          }),
          more,
        };
      },
      'contact:verify': async ({ peer, verified }) => {
        const contact = this.contactOf(peer);
        if (contact.mode !== 'secure') throw new AppError('invalid-request', 'A plain-text peer has no key to verify.');
        if (verified && contact.keyChange?.needsApproval) throw new AppError('invalid-request', 'Approve the new key before you mark this contact verified.');
        // Having compared safety numbers, the person has seen the key change through: its warning can go.
        await this.changeContact(peer, ({ keyChange, ...rest }) => (verified ? { ...rest, verified } : { ...rest, ...(keyChange && { keyChange }), verified }));
        return this.conversation(peer);
      },
      // On the new key's chain: its session's steps (connected, left) are the ones this must not interleave with.
      'contact:approve-key': async ({ peer }) => this.contactSteps.run(this.contactOf(peer).keyChange?.key ?? peer, () => this.approveKey(peer)),
      'contact:dismiss-key-change': async ({ peer }) => this.contactSteps.run(this.contactOf(peer).keyChange?.key ?? peer, () => this.dismissKeyChange(peer)),
      'contact:rename': async ({ peer, name }) => {
        this.contactOf(peer);
        await this.changeContact(peer, ({ localName: _previous, ...contact }) => (name === null ? contact : { ...contact, localName: name }));
        return this.conversation(peer);
      },
      'contact:remove': async ({ peer }) => {
        // In the contact's chain, so that a session being taken in meanwhile finishes first and is then closed.
        await this.contactSteps.run(this.contactOf(peer).key ?? peer, () => this.removeContact(peer));
        return null;
      },
      'contact:reconnect': async ({ peer }) => {
        const contact = this.contactOf(peer);
        if (contact.mode !== 'secure' || contact.addresses.length === 0) throw new AppError('invalid-request', 'Peerline has no address to dial for this contact.');
        this.reconnector.resume(peer);
        this.reconnector.dialNow(peer);
        return null;
      },
      'settings:get': async () => this.currentSettings(),
      'settings:set': async (change) => {
        await this.changeSettings(change);
        return this.currentSettings();
      },
    };
  }

  private identity(): Identity {
    const { id, fingerprint } = this.node.identity;
    return { id, fingerprint, name: this.node.displayName, nameChosen: this.nameOverridden || this.store.settings().displayName !== undefined };
  }

  private nodeStatus(): NodeStatus {
    return {
      listening: this.node.listening,
      host: this.node.listeningHost,
      port: this.node.port,
      addresses: this.node.dialableAddresses(),
      allowPlain: this.node.allowsPlain,
      notices: this.startupNotices(),
    };
  }

  private currentSettings(): Settings {
    return {
      displayName: this.node.displayName,
      port: this.node.port,
      allowPlain: this.node.allowsPlain,
      readReceipts: this.store.settings().readReceipts ?? false,
    };
  }

  private async changeSettings(change: Partial<Settings>): Promise<void> {
    if (change.displayName !== undefined) {
      try {
        this.node.setName(change.displayName);
      } catch (err) {
        rethrowForPeople(err);
      }
    }
    if (change.allowPlain !== undefined) this.node.setAllowPlain(change.allowPlain);
    if (change.port !== undefined) {
      try {
        await this.node.relisten(change.port);
      } catch (err) {
        throw new AppError('listen-failed', (err as Error).message);
      }
    }
    await this.store.updateSettings(change);
    if (change.port !== undefined || change.allowPlain !== undefined) this.emit('node:updated', this.nodeStatus());
  }

  private async connect(host: string, port: number, mode: ConnectionMode, attempt?: string): Promise<Conversation> {
    const controller = new AbortController();
    if (attempt) this.attempts.set(attempt, controller);
    try {
      const info = await this.node.connect(host, port, mode, controller.signal);
      await this.contactSteps.settled(info.peer);
      const peer = this.peerOf(info.peer);
      this.reconnector.resume(peer);
      return this.conversation(peer);
    } catch (err) {
      if (err instanceof DialError) throw new AppError(`dial-${err.code}` as ErrorCode, err.message);
      throw err;
    } finally {
      if (attempt) this.attempts.delete(attempt);
    }
  }

  private async send(peer: string, text: string): Promise<Message> {
    const contact = this.contactOf(peer);
    const key = this.presenceOf(peer).onlineKey;
    // A plain-text peer has no identity to find again: what it does not get now, it never gets.
    if (contact.mode === 'plain' && !key) throw new AppError('not-connected', `Not connected to ${peer}.`);
    const stored = await this.store.addOutgoing(conversationId(peer), { id: newMessageId(), text, at: Date.now() }).catch(rethrowForPeople);
    this.emitConversation(peer);
    const message = toMessage(stored);
    this.reconnector.resume(peer);
    try {
      if (this.hand(peer, stored)) message.status = 'sent';
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const failed = await this.changeStatus(peer, stored.id, 'failed', err.message);
      return failed ?? message;
    }
    return message;
  }

  /**
   * Gives a stored message to the node, for the contact's pinned key (a key awaiting approval gets nothing), or
   * for a plain-text peer's connection. Read after any wait: the key may have changed meanwhile. True if written.
   */
  private hand(peer: string, message: Pick<StoredMessage, 'id' | 'text' | 'sentAt'>): boolean {
    const contact = this.contactOf(peer);
    const key = contact.mode === 'plain' ? this.presenceOf(peer).onlineKey : contact.key!;
    if (key === null) throw new UserError('not-connected', `Not connected to ${peer}.`);
    return this.node.queue(key, { id: message.id, text: message.text, sentAt: message.sentAt });
  }

  private async retry(peer: string, id: string): Promise<Message> {
    const contact = this.contactOf(peer);
    const message = await this.store.message(conversationId(peer), id);
    if (!message?.fromMe || message.kind !== 'chat') throw new AppError('unknown-message', 'That message is not in this conversation.');
    if (message.status !== 'failed') throw new AppError('invalid-request', 'Only a failed message can be sent again.');
    if (contact.mode === 'plain' && !this.presenceOf(peer).onlineKey) throw new AppError('not-connected', `Not connected to ${peer}.`);
    const queued = (await this.changeStatus(peer, id, 'queued'))!;
    try {
      if (this.hand(peer, message)) queued.status = 'sent';
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return (await this.changeStatus(peer, id, 'failed', err.message)) ?? queued;
    }
    return queued;
  }

  private async cancel(peer: string, id: string): Promise<void> {
    const contact = this.contactOf(peer);
    const message = await this.store.message(conversationId(peer), id);
    if (!message?.fromMe || message.kind !== 'chat') throw new AppError('unknown-message', 'That message is not in this conversation.');
    if (message.status !== 'queued' && message.status !== 'failed') {
      throw new AppError('message-not-cancellable', 'This message has already gone to the peer, so it cannot be taken back.');
    }
    if (contact.key) this.node.unqueue(contact.key, id);
    await this.store.remove(conversationId(peer), id);
    this.emit('message:removed', { peer, id });
    this.emitConversation(peer);
  }

  private async removeContact(peer: string): Promise<void> {
    const contact = this.contactOf(peer);
    this.reconnector.untrack(peer);
    for (const message of await this.store.outbox(conversationId(peer))) if (contact.key) this.node.unqueue(contact.key, message.id);
    const key = this.presenceOf(peer).onlineKey;
    if (key) await this.node.disconnect(key).catch(() => {});
    for (const [unapproved, owner] of this.unapprovedKeys) if (owner === peer) this.unapprovedKeys.delete(unapproved);
    this.stopTyping(peer);
    this.presence.delete(peer);
    await this.store.removeContact(contactId(peer));
    this.emit('conversation:removed', { peer });
  }

  /**
   * Puts the warning away. For a key that awaited approval this keeps the old key: the new one is turned away
   * (its session closed), and the messages keep waiting for the key the person verified.
   */
  private async dismissKeyChange(peer: string): Promise<Conversation> {
    const { keyChange } = this.contactOf(peer);
    if (!keyChange) throw new AppError('invalid-request', 'There is no key-change warning to put away for this contact.');
    await this.changeContact(peer, ({ keyChange: _seen, ...contact }) => contact);
    if (keyChange.needsApproval) {
      this.unapprovedKeys.delete(keyChange.key);
      if (this.presenceOf(peer).onlineKey === keyChange.key) await this.node.disconnect(keyChange.key).catch(() => {});
    }
    return this.conversation(peer);
  }

  private async approveKey(peer: string): Promise<Conversation> {
    const contact = this.contactOf(peer);
    const change = contact.keyChange;
    if (!change?.needsApproval) throw new AppError('invalid-request', 'There is no new key to approve for this contact.');
    const now = Date.now();
    await this.changeContact(peer, (current) => {
      const { keyChange: _approved, ...approved } = pinKey(current, change.key, now);
      return approved;
    });
    this.unapprovedKeys.delete(change.key);
    await this.addNotice(peer, `You approved ${shownName(contact)}'s new key. Messages that were waiting are on their way.`);
    await this.moveOutbox(peer, change.previousKey, change.key);
    return this.conversation(peer);
  }

  /** The contact's waiting messages leave `fromKey`'s queue for `toKey`'s, in order: only the pinned key gets them. */
  private async moveOutbox(peer: string, fromKey: string, toKey: string): Promise<void> {
    for (const message of await this.store.outbox(conversationId(peer))) {
      this.node.unqueue(fromKey, message.id);
      this.node.queue(toKey, { id: message.id, text: message.text, sentAt: message.sentAt });
    }
  }

  // ---- Node events ----

  private async onConnected(info: PeerInfo): Promise<void> {
    const now = Date.now();
    if (info.mode === 'plain') {
      // A plain server we dialed before has the same name again (its address): its conversation goes on.
      if (this.store.contact(contactId(info.peer))) await this.store.updateContact(contactId(info.peer), (c) => ({ ...c, addresses: [info.address] }));
      else await this.store.saveContact({ ...newContact(info.peer, 'plain', info.address, now), addresses: [info.address] });
      return this.cameOnline(info, info.peer);
    }
    const key = info.peer;
    const name = info.name ?? key.slice(0, 8);
    const awaitingApproval = this.store.contact(contactId(this.unapprovedKeys.get(key) ?? ''));
    const verdict = awaitingApproval
      ? { kind: 'known' as const, contact: awaitingApproval }
      : judgeKey(this.store, key, info.direction === 'outbound' ? info.dialAddress : null, (k) => k !== key && this.node.isConnected(k));
    if (verdict.kind === 'new') {
      await this.store.saveContact({ ...newContact(key, 'secure', name, now), key, keyHistory: [{ key, since: now }], addresses: [info.dialAddress] });
    } else if (verdict.kind === 'known') {
      await this.store.updateContact(verdict.contact.id, (c) => ({ ...c, peerName: name, addresses: rememberAddress(c.addresses, info.dialAddress) }));
    } else {
      await this.onKeyChanged(verdict.contact, key, name, info.dialAddress, now);
    }
    const peer = this.peerOf(key);
    this.cameOnline({ ...info, peer }, key);
    // A contact first met now is dialed again after it drops, like the ones known at start-up.
    this.reconnector.track(peer, this.contactOf(peer).addresses);
    this.reconnector.connected(peer);
  }

  /**
   * Someone with another key answers at a contact's address. Unverified: the new key is pinned and waiting
   * messages follow it, with a warning in the conversation. Verified: the key waits for the person's approval,
   * and so do the messages.
   */
  private async onKeyChanged(contact: ContactRecord, key: string, name: string, address: string, now: number): Promise<void> {
    const previousKey = contact.key!;
    const needsApproval = contact.verified;
    const keyChange = { at: now, previousKey, key, needsApproval };
    await this.changeContact(contact.id, (current) => ({
      ...(needsApproval ? current : pinKey(current, key, now)),
      keyChange,
      peerName: name,
      addresses: rememberAddress(current.addresses, address),
    }));
    if (needsApproval) this.unapprovedKeys.set(key, contact.id);
    await this.addNotice(contact.id, keyChangeNotice(shownName(contact), needsApproval));
    if (!needsApproval) await this.moveOutbox(contact.id, previousKey, key);
  }

  private cameOnline(info: PeerInfo, key: string): void {
    const presence = this.presenceOf(info.peer);
    presence.onlineKey = key;
    presence.lastReason = undefined;
    this.emitConversation(info.peer);
    this.sessions.emit('connected', info);
    const owed = this.store.conversation(conversationId(info.peer))?.readReceiptOwed;
    if (owed !== undefined) void this.sendReadReceipt(info.peer, owed).catch((err) => this.raise(err));
  }

  /**
   * Tells the contact we have read up to `upTo` now, or, while it is away (or only a key awaiting approval is
   * there), the next time it connects: the receipt is kept with the conversation until it goes.
   */
  private async sendReadReceipt(peer: string, upTo: string): Promise<void> {
    const key = this.trustedSessionKey(peer);
    const sent = key !== null && this.store.settings().readReceipts === true && this.node.sendRead(key, upTo);
    const owed = this.store.conversation(conversationId(peer))?.readReceiptOwed;
    if (sent && owed !== undefined) {
      await this.store.updateConversation(conversationId(peer), ({ readReceiptOwed: _sent, ...conversation }) => conversation);
    } else if (!sent && owed !== upTo) {
      await this.store.updateConversation(conversationId(peer), (conversation) => ({ ...conversation, readReceiptOwed: upTo }));
    }
  }

  private onDisconnected(key: string, reason: string, byPeerUser: boolean): void {
    const peer = this.peerOf(key);
    const presence = this.presence.get(peer);
    if (!presence || presence.onlineKey !== key) return;
    presence.onlineKey = null;
    presence.lastReason = reason;
    this.stopTyping(peer);
    const contact = this.store.contact(contactId(peer));
    // A plain-text connection that said nothing (a port scan, a probe) leaves no conversation behind.
    if (contact?.mode === 'plain' && this.store.conversation(conversationId(peer))?.lastMessage === undefined) {
      this.presence.delete(peer);
      void this.store.removeContact(contactId(peer)).then(() => this.emit('conversation:removed', { peer }), (err) => this.raise(err));
      return;
    }
    if (this.store.contact(contactId(peer))?.mode === 'secure') {
      // The other person disconnected on purpose: dialing them back would undo it. A message or a connect from
      // this side resumes the retries.
      this.reconnector.disconnected(peer);
      if (byPeerUser) this.reconnector.pause(peer);
    }
    this.emitConversation(peer);
    this.sessions.emit('disconnected', { peer, reason });
  }

  /**
   * "sent" is not worth a disk sync: after a crash the message is resent, which is what "sent" promises anyway.
   * It is told at once, unless the message is already further along (a resend of one whose ack was lost).
   */
  private onSent(peer: string, id: string): void {
    void this.store.setStatus(conversationId(peer), id, 'sent').then((stored) => {
      if (stored?.status !== 'sent') return;
      this.emit('message:status-changed', { peer, id, status: 'sent' });
      // Written to a plain-text peer, a message has gone as far as it can: it no longer counts as waiting.
      if (this.store.contact(contactId(peer))?.mode === 'plain') this.emitConversation(peer);
    }, (err) => this.raise(err));
  }

  private async onRead(peer: string, upTo: string): Promise<void> {
    const read = await this.store.markReadUpTo(conversationId(peer), upTo);
    for (const id of read) this.emit('message:status-changed', { peer, id, status: 'read' });
    // A receipt can retire messages whose ack was lost: the waiting count changes.
    if (read.length > 0) this.emitConversation(peer);
  }

  private async changeStatus(peer: string, id: string, status: 'queued' | 'delivered' | 'failed', failure?: string): Promise<Message | null> {
    const stored = await this.store.setStatus(conversationId(peer), id, status, failure === undefined ? undefined : { failure });
    if (!stored) return null;
    // The store never moves a message back (an ack after a read receipt): tell what it holds.
    this.emit('message:status-changed', { peer, id, status: stored.status!, ...(stored.failure !== undefined && { failure: stored.failure }) });
    this.emitConversation(peer);
    return toMessage(stored);
  }

  private async addNotice(peer: string, text: string): Promise<void> {
    const notice = await this.store.addNotice(conversationId(peer), text, Date.now());
    this.emit('message:received', toMessage(notice));
  }

  /** Changes a stored contact from its record as it is when written (see `Store.updateContact`), and tells the UI. */
  private async changeContact(peer: string, change: (current: ContactRecord) => ContactRecord): Promise<void> {
    await this.store.updateContact(contactId(peer), change);
    this.emitConversation(peer);
  }

  private setTyping(peer: string, active: boolean): void {
    const presence = this.presence.get(peer);
    if (!presence) return;
    if (presence.typingTimer) clearTimeout(presence.typingTimer);
    presence.typingTimer = active ? setTimeout(() => this.stopTyping(peer, true), TYPING_EXPIRES_MS) : null;
    if (presence.typing === active) return;
    presence.typing = active;
    this.emitConversation(peer);
  }

  private stopTyping(peer: string, announce = false): void {
    const presence = this.presence.get(peer);
    if (!presence) return;
    if (presence.typingTimer) clearTimeout(presence.typingTimer);
    presence.typingTimer = null;
    if (!presence.typing) return;
    presence.typing = false;
    if (announce) this.emitConversation(peer);
  }

  // ---- Views ----

  private presenceOf(peer: string): Presence {
    let presence = this.presence.get(peer);
    if (!presence) {
      presence = { onlineKey: null, typing: false, typingTimer: null };
      this.presence.set(peer, presence);
    }
    return presence;
  }

  /** The open session's key, unless it is a key awaiting approval: that one is told nothing about us. */
  private trustedSessionKey(peer: string): string | null {
    const key = this.presenceOf(peer).onlineKey;
    return key !== null && !this.unapprovedKeys.has(key) ? key : null;
  }

  private contactOf(peer: string): ContactRecord {
    const contact = this.store.contact(contactId(peer));
    if (!contact) throw new AppError('unknown-peer', 'There is no conversation with that peer.');
    return contact;
  }


  private conversations(): Conversation[] {
    return this.store.contacts().map((contact) => this.toConversation(contact));
  }

  private conversation(peer: string): Conversation {
    return this.toConversation(this.contactOf(peer));
  }

  private emitConversation(peer: string): void {
    const contact = this.store.contact(contactId(peer));
    if (contact) this.emit('peer:updated', this.toConversation(contact));
  }

  private factsOf(key: string): { fingerprint: string; safetyNumber: string } {
    let facts = this.keyFacts.get(key);
    if (!facts) {
      if (this.keyFacts.size >= MAX_KEY_FACTS) this.keyFacts.clear();
      facts = { fingerprint: fingerprintOf(Buffer.from(key, 'hex')), safetyNumber: safetyNumber(this.node.identity.id, key) };
      this.keyFacts.set(key, facts);
    }
    return facts;
  }

  private toConversation(contact: ContactRecord): Conversation {
    const presence = this.presence.get(contact.id);
    const online = presence?.onlineKey != null;
    const state = online ? 'online' : this.reconnector.dialing(contact.id) ? 'connecting' : 'offline';
    const nextRetryAt = online ? undefined : this.reconnector.nextRetryAt(contact.id);
    const shownKey = contact.key ?? contact.id;
    const conversation = this.store.conversation(directConversationId(contact.id));
    const last = conversation?.lastMessage;
    return {
      peer: contact.id,
      mode: contact.mode,
      name: shownName(contact),
      peerName: contact.peerName,
      ...(contact.localName !== undefined && { localName: contact.localName }),
      address: contact.addresses[0] ?? '',
      ...(contact.mode === 'secure' && this.factsOf(shownKey)),
      state,
      unread: conversation?.unread ?? 0,
      ...(last && { lastMessage: { ...last, text: last.text.slice(0, PREVIEW_CHARS) } }),
      typing: presence?.typing ?? false,
      ...(presence?.lastReason !== undefined && !online && { lastReason: presence.lastReason }),
      verified: contact.verified,
      ...(nextRetryAt !== undefined && { nextRetryAt }),
      queued: this.store.queuedCount(directConversationId(contact.id)),
      ...(contact.keyChange && {
        keyChange: {
          at: contact.keyChange.at,
          previousFingerprint: this.factsOf(contact.keyChange.previousKey).fingerprint,
          fingerprint: this.factsOf(contact.keyChange.key).fingerprint,
          needsApproval: contact.keyChange.needsApproval,
        },
      }),
    };
  }
}

function newContact(peer: string, mode: ConnectionMode, peerName: string, now: number): ContactRecord {
  return { id: contactId(peer), mode, peerName, addresses: [], firstSeen: now, verified: false, keyHistory: [] };
}

/** A stored message as the contract carries it: a copy, since callers set its status before answering. */
function toMessage(stored: StoredMessage): Message {
  const { id, conversation, ...rest } = stored;
  return { id, peer: conversation, ...rest };
}

const ERROR_CODE_OF: Record<UserError['reason'], ErrorCode> = {
  'invalid-name': 'name-invalid',
  'invalid-message': 'message-invalid',
  'not-connected': 'not-connected',
};

/** Rethrows the peer's and the store's refusals of a user action as AppErrors, with the sentence intact. */
function rethrowForPeople(err: unknown): never {
  if (err instanceof UserError) throw new AppError(ERROR_CODE_OF[err.reason], err.message);
  if (err instanceof StoreError) throw new AppError(err.code === 'unknown-message' ? 'unknown-message' : 'store-failed', err.message);
  throw err;
}

function defaultName(): string {
  try {
    return os.userInfo().username || 'Peerline user';
  } catch {
    return 'Peerline user';
  }
}
