import type { EventEmitter } from 'node:events';
import os from 'node:os';
import type { ContractHandlers, EventSink } from '../../shared/ipc/contract';
import { AppError } from '../../shared/ipc/result';
import { DEFAULT_PORT } from '../../shared/protocol/limits';
import { ChatFeature } from './features/chat/chat';
import { ChatDelivery } from './features/chat/delivery';
import { ChatInbox } from './features/chat/inbox';
import { ChatLedger } from './features/chat/ledger';
import { ConnectionsFeature, createReconnector } from './features/connections/connections';
import { ContactsFeature } from './features/contacts/contacts';
import { ContactDirectory, type ContactSummary } from './features/contacts/directory';
import { SessionIntake, type ContactSession, type SessionEvents } from './features/contacts/sessions';
import { AttentionFeature } from './features/attention/attention';
import { DiscoveryFeature } from './features/discovery/discovery';
import type { DiscoveryTransport } from './features/discovery/transport';
import { EventHub, SessionSteps, type FeatureContext } from './features/context';
import { FilesFeature, type FilesOptions } from './features/files/files';
import type { ConversationContext } from './features/conversations/context';
import { ConversationViews } from './features/conversations/views';
import { GroupsFeature } from './features/groups/groups';
import { PresenceBoard } from './features/presence/presence';
import { RequestGate, type RequestOptions } from './features/requests/gate';
import { RequestsFeature } from './features/requests/requests';
import { ReachFeature } from './features/reach/reach';
import { SettingsFeature } from './features/settings/settings';
import { loadOrCreateIdentity } from './identity';
import { PeerNode, type PeerNodeOptions } from './peer-node';
import type { Reconnector } from './reconnector';
import { Store, StoreError } from './store/store';

export type { ContactSummary } from './features/contacts/directory';
export type { ContactSession, SessionEvents } from './features/contacts/sessions';

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
  /** Message requests: `--accept-strangers`, and the quota (tests make it small). */
  requests?: RequestOptions;
  /** Overrides the stored "Reachable over the internet by my key" for this run (the command line's `--dht`). */
  reachableByKey?: boolean;
  /** "Reachable over the internet by my key" when the person has not chosen: the app says true; default false. */
  reachableByKeyDefault?: boolean;
  /** The DHT's bootstrap nodes (`--dht-bootstrap`); absent: HyperDHT's public ones. */
  dhtBootstrap?: { host: string; port: number }[];
  /**
   * Nearby peers: the transport (the app and the command give mDNS, tests an in-memory hub; absent: this run
   * takes no part in discovery) and this run's choice for both switches, not stored (the command: off unless
   * `--discover`; the app gives none, so the settings say, on by default).
   */
  discovery?: { transport: DiscoveryTransport; override?: boolean };
  /** File transfer: where received files go, auto-accept, and (tests) the file layer. */
  files?: FilesOptions;
  /** Live sessions to a group's members each member keeps by dialing from their records (`--group-links`; 0: none). */
  groupLinks?: number;
  /** Overrides the stored DHT relay for this run (the command line's `--dht-relay`, `--dht-relay-only`). */
  dhtRelay?: PeerNodeOptions['dhtRelay'];
}


/**
 * The implementation of the IPC contract: a small facade that opens the identity, the store and the node, and
 * composes the features, each of which contributes its part of the handler map. Both transports (Electron IPC
 * and the WebSocket of `peerline --ui`) reach it through `dispatch`, so every request arrives validated; the CLI
 * calls the same handlers. Events go to every subscribed sink.
 *
 * The features depend one way only, in the order they are made here: presence and the contact directory; the
 * reconnector; the conversation views; the chat inbox, channel and ledger; session intake and the contacts'
 * handlers; connections; chat itself; nearby discovery; attention (notifications); settings. None imports this file.
 * Durability: a message is stored (queued) before it is handed to the chat channel, and a received one is
 * stored before it is acknowledged, so "delivered" means on the receiver's disk.
 */
export class AppService {
  readonly handlers: ContractHandlers;
  /** For the command line: a session opened or ended, told once the contact is stored, so commands can follow. */
  readonly sessions: EventEmitter<SessionEvents>;
  /** Sending and receiving files; the command line subscribes to its events. */
  readonly files: FilesFeature;
  private readonly events: EventHub;
  private readonly presence: PresenceBoard;
  private readonly directory: ContactDirectory;
  private readonly reconnector: Reconnector;
  private readonly connections: ConnectionsFeature;
  private readonly chat: ChatFeature;
  private readonly groups: GroupsFeature;
  private readonly discovery: DiscoveryFeature;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly node: PeerNode,
    private readonly store: Store,
    private readonly notices: string[],
    opts: Pick<AppServiceOptions, 'name' | 'requests' | 'discovery' | 'files' | 'groupLinks'>,
  ) {
    const ctx: FeatureContext = { store, node, events: new EventHub(), steps: new SessionSteps() };
    this.events = ctx.events;
    this.presence = new PresenceBoard();
    this.directory = new ContactDirectory(store, this.presence);
    this.reconnector = createReconnector(ctx, this.directory);
    const gate = new RequestGate(ctx, opts.requests);
    const views = new ConversationViews(ctx, this.directory, this.presence, this.reconnector);
    const conversationContext: ConversationContext = { ...ctx, directory: this.directory, presence: this.presence, reconnector: this.reconnector, views };
    const delivery = new ChatDelivery(node, new ChatInbox(conversationContext, gate));
    delivery.on('log', (line) => node.emit('log', line));
    const ledger = new ChatLedger(conversationContext, delivery);
    const intake = new SessionIntake(conversationContext, ledger, gate);
    this.sessions = intake.sessions;
    const contacts = new ContactsFeature(conversationContext, ledger, intake);
    this.connections = new ConnectionsFeature(conversationContext);
    this.chat = new ChatFeature(conversationContext, delivery, ledger, intake.sessions);
    const requests = new RequestsFeature(conversationContext, gate, ledger, intake);
    this.discovery = new DiscoveryFeature(conversationContext, this.connections, {
      transport: opts.discovery?.transport ?? null,
      override: opts.discovery?.override,
    });
    const attention = new AttentionFeature(conversationContext);
    this.files = new FilesFeature({ store, node, directory: this.directory, events: ctx.events, gate, acceptRequest: (peer) => requests.acceptIfRequest(peer) }, opts.files);
    const settings = new SettingsFeature(ctx, opts.name !== undefined, notices, this.discovery, this.files);
    this.files.on('log', (line) => node.emit('log', line));
    this.groups = new GroupsFeature(conversationContext, store.groups, Date.now, opts.groupLinks);
    const reach = new ReachFeature(conversationContext);
    const chat = { ...this.chat.handlers, 'message:send': requests.replyAccepts(this.chat.handlers['message:send']) };
    this.handlers = {
      ...settings.handlers,
      ...reach.handlers,
      ...this.connections.handlers,
      ...views.handlers,
      ...contacts.handlers,
      ...requests.handlers,
      ...chat,
      ...this.groups.handlers,
      ...this.discovery.handlers,
      ...attention.handlers,
      ...this.files.handlers,
    };
  }

  static async open(opts: AppServiceOptions): Promise<AppService> {
    const identity = await loadOrCreateIdentity(opts.dataDir);
    const { store, notices } = await Store.open(opts.dataDir).catch((err: unknown) => {
      if (err instanceof StoreError) throw new AppError('store-failed', err.message);
      throw err;
    });
    const stored = store.settings();
    const node = new PeerNode({
      identity,
      name: opts.name ?? stored.displayName ?? defaultName(),
      appVersion: opts.appVersion,
      host: opts.host,
      port: opts.port ?? stored.port ?? DEFAULT_PORT,
      allowPlain: opts.allowPlain ?? stored.allowPlain ?? true,
      limits: opts.limits,
      timeouts: opts.timeouts,
      // Contacts keep their connection slots when strangers crowd in.
      isContact: (key) => store.contactByKey(key) !== undefined,
      dhtBootstrap: opts.dhtBootstrap,
      dhtRelay: opts.dhtRelay ?? (stored.dhtRelay ? { key: Buffer.from(stored.dhtRelay, 'hex'), only: false } : undefined),
    });
    const service = new AppService(node, store, notices, opts);
    await service.files.load();
    await service.groups.start().catch(async (err: unknown) => {
      await store.close();
      throw err;
    });
    try {
      await node.listen();
    } catch (err) {
      await store.close();
      throw new AppError('listen-failed', (err as Error).message);
    }
    if (opts.reachableByKey === true) {
      // Asked for on the command line: announced before we say we listen. Failing is no reason not to start:
      // the person is told, and TCP works as before.
      await node.setReachableByKey(true).catch((err: Error) => service.notices.push(err.message));
    } else if (opts.reachableByKey === undefined && (stored.reachableByKey ?? opts.reachableByKeyDefault ?? false)) {
      // The app's setting: the window does not wait for the DHT (its bootstrap nodes may be slow to answer).
      void node.setReachableByKey(true).catch((err: Error) => service.events.emit('error:raised', { code: 'listen-failed', message: err.message }));
    }
    await service.groups.publishRecords();
    await service.chat.resumeDelivery();
    service.dialKnownContacts();
    service.discovery.start();
    return service;
  }

  subscribe(sink: EventSink): () => void {
    return this.events.subscribe(sink);
  }

  /** Says goodbye to every peer, stops listening, and closes the store once every write is on disk. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.connections.close();
      this.presence.close();
      this.groups.close();
      await this.discovery.close();
      await this.node.close();
      await this.files.close();
      await this.store.close();
    })();
    return this.closing;
  }

  /** What went wrong while opening, in sentences for the person (a damaged store set aside, say). */
  startupNotices(): string[] {
    return [...this.notices];
  }

  /** The open sessions, each named by the contact it speaks for. */
  openSessions(): ContactSession[] {
    return this.node.peers().map((info) => ({ ...info, peer: this.directory.peerOf(info.peer) }));
  }

  contactSummaries(): ContactSummary[] {
    return this.directory.summaries();
  }

  /** At start, every secure contact with an address is dialed, and again after each time it drops. */
  private dialKnownContacts(): void {
    for (const contact of this.store.contacts()) {
      // Strangers are not dialed: only contacts the person accepted (or dialed), never requests or blocked peers.
      const accepted = !contact.request && !contact.blocked;
      if (accepted && contact.mode === 'secure' && contact.addresses.length > 0) this.reconnector.track(contact.id, contact.addresses);
    }
  }
}

function defaultName(): string {
  try {
    return os.userInfo().username || 'Peerline user';
  } catch {
    return 'Peerline user';
  }
}
