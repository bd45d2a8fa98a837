import os from 'node:os';
import type { EventChannel } from '../../shared/ipc/channels';
import type { ContractHandlers, Conversation, EventPayload, EventSink, Identity, Message, NodeStatus, Settings } from '../../shared/ipc/contract';
import { AppError, type ErrorCode } from '../../shared/ipc/result';
import { DEFAULT_PORT } from '../../shared/protocol/limits';
import type { ConnectionMode } from './connection';
import { DialError } from './errors';
import { loadOrCreateIdentity } from './identity';
import { newMessageId } from './message-id';
import { PeerNode, UserError, type PeerInfo, type PeerNodeOptions } from './peer-node';
import { SettingsFile } from './settings-file';

/** A typing notice that is not renewed within this long has ended (the peer may have left mid-word). */
const TYPING_EXPIRES_MS = 6_000;

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

interface ConversationRecord extends Omit<Conversation, 'lastMessage' | 'unread' | 'typing'> {
  unread: number;
  typing: boolean;
  typingTimer: NodeJS.Timeout | null;
  /** Oldest first. History lives in memory for now; the durable store takes its place behind the same contract. */
  messages: Message[];
}

/**
 * The implementation of the IPC contract over one PeerNode: identity, settings, conversations and their
 * messages. Both transports (Electron IPC and the WebSocket of `peerline --ui`) reach it through `dispatch`, so
 * every request arrives validated. Events go to every subscribed sink.
 */
export class AppService {
  readonly handlers: ContractHandlers;
  private readonly sinks = new Set<EventSink>();
  private readonly conversations = new Map<string, ConversationRecord>();
  private readonly attempts = new Map<string, AbortController>();
  /** What went wrong while opening (a damaged file set aside): part of the node status every window loads. */
  private readonly startupProblems: string[] = [];

  private constructor(
    readonly node: PeerNode,
    private readonly settings: SettingsFile,
    private readonly nameChosen: () => boolean,
  ) {
    this.handlers = this.makeHandlers();
    node.on('connected', (info) => this.onConnected(info));
    node.on('disconnected', ({ peer, reason }) => this.onDisconnected(peer, reason));
    node.on('message', (message) => this.onMessage(message));
    node.on('delivered', ({ peer, id }) => this.setStatus(peer, id, 'delivered'));
    node.on('typing', ({ peer, active }) => this.setTyping(peer, active));
  }

  static async open(opts: AppServiceOptions): Promise<AppService> {
    const identity = await loadOrCreateIdentity(opts.dataDir);
    const { settings, problem } = await SettingsFile.open(opts.dataDir);
    const stored = settings.value;
    const node = new PeerNode({
      identity,
      name: opts.name ?? stored.displayName ?? defaultName(),
      appVersion: opts.appVersion,
      host: opts.host,
      port: opts.port ?? stored.port ?? DEFAULT_PORT,
      allowPlain: opts.allowPlain ?? stored.allowPlain ?? true,
      limits: opts.limits,
      timeouts: opts.timeouts,
    });
    const service = new AppService(node, settings, () => opts.name !== undefined || settings.value.displayName !== undefined);
    try {
      await node.listen();
    } catch (err) {
      throw new AppError('listen-failed', (err as Error).message);
    }
    if (problem) service.startupProblems.push(problem);
    return service;
  }

  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Says goodbye to every peer and stops listening. */
  async close(): Promise<void> {
    for (const controller of this.attempts.values()) controller.abort();
    for (const record of this.conversations.values()) if (record.typingTimer) clearTimeout(record.typingTimer);
    await this.node.close();
  }

  private emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void {
    for (const sink of this.sinks) sink(event, payload);
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
        await this.node.disconnect(peer).catch(rethrowForPeople);
        return null;
      },
      'peer:list': async () => this.sortedConversations().filter((c) => c.state === 'online'),
      'conversation:list': async () => this.sortedConversations(),
      'conversation:mark-read': async ({ peer }) => {
        const record = this.record(peer);
        if (record.unread !== 0) {
          record.unread = 0;
          this.emitConversation(record);
        }
        return null;
      },
      'message:send': async ({ peer, text }) => this.send(peer, text),
      'message:list': async ({ peer, before, limit }) => {
        const { messages } = this.record(peer);
        const end = before === undefined ? messages.length : messages.findIndex((m) => m.id === before);
        if (end < 0) throw new AppError('invalid-request', 'That message is not in this conversation.');
        const start = Math.max(0, end - limit);
        return { messages: messages.slice(start, end), hasMore: start > 0 };
      },
      'message:typing': async ({ peer, active }) => {
        this.node.setTyping(peer, active);
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
    return { id, fingerprint, name: this.node.displayName, nameChosen: this.nameChosen() };
  }

  private nodeStatus(): NodeStatus {
    return {
      listening: this.node.listening,
      host: this.node.listeningHost,
      port: this.node.port,
      addresses: this.node.dialableAddresses(),
      allowPlain: this.node.allowsPlain,
      notices: [...this.startupProblems],
    };
  }

  private currentSettings(): Settings {
    return { displayName: this.node.displayName, port: this.node.port, allowPlain: this.node.allowsPlain };
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
    await this.settings.update(change);
    if (change.port !== undefined || change.allowPlain !== undefined) this.emit('node:updated', this.nodeStatus());
  }

  private async connect(host: string, port: number, mode: ConnectionMode, attempt?: string): Promise<Conversation> {
    const controller = new AbortController();
    if (attempt) this.attempts.set(attempt, controller);
    try {
      const info = await this.node.connect(host, port, mode, controller.signal);
      return this.toConversation(this.upsert(info));
    } catch (err) {
      if (err instanceof DialError) throw new AppError(`dial-${err.code}` as ErrorCode, err.message);
      throw err;
    } finally {
      if (attempt) this.attempts.delete(attempt);
    }
  }

  private send(peer: string, text: string): Message {
    const record = this.record(peer);
    let id: string;
    try {
      id = this.node.send(peer, text);
    } catch (err) {
      rethrowForPeople(err);
    }
    const message: Message = { id, peer, fromMe: true, text, at: Date.now(), status: 'sent' };
    record.messages.push(message);
    this.emitConversation(record);
    return message;
  }

  private onConnected(info: PeerInfo): void {
    this.emitConversation(this.upsert(info));
  }

  private upsert(info: PeerInfo): ConversationRecord {
    const existing = this.conversations.get(info.peer);
    const record: ConversationRecord = existing ?? {
      peer: info.peer,
      mode: info.mode,
      name: '',
      address: '',
      state: 'online',
      unread: 0,
      typing: false,
      typingTimer: null,
      messages: [],
    };
    record.name = info.name ?? info.address;
    record.address = info.dialAddress;
    record.fingerprint = info.fingerprint;
    record.state = 'online';
    record.lastReason = undefined;
    this.conversations.set(info.peer, record);
    return record;
  }

  private onDisconnected(peer: string, reason: string): void {
    const record = this.conversations.get(peer);
    if (!record) return;
    record.state = 'offline';
    record.lastReason = reason;
    this.stopTyping(record);
    this.emitConversation(record);
  }

  private onMessage({ peer, id, text }: { peer: string; id?: string; text: string }): void {
    const record = this.conversations.get(peer);
    if (!record) return;
    // Plain-text peers send no ids: give their lines one of ours so the UI can key and page them.
    const message: Message = { id: id ?? newMessageId(), peer, fromMe: false, text, at: Date.now() };
    record.messages.push(message);
    record.unread++;
    this.stopTyping(record);
    this.emit('message:received', message);
    this.emitConversation(record);
  }

  private setStatus(peer: string, id: string, status: 'delivered'): void {
    const message = this.conversations.get(peer)?.messages.findLast((m) => m.id === id);
    if (!message) return;
    message.status = status;
    this.emit('message:status-changed', { peer, id, status });
  }

  private setTyping(peer: string, active: boolean): void {
    const record = this.conversations.get(peer);
    if (!record) return;
    if (record.typingTimer) clearTimeout(record.typingTimer);
    record.typingTimer = active ? setTimeout(() => this.stopTyping(record, true), TYPING_EXPIRES_MS) : null;
    if (record.typing === active) return;
    record.typing = active;
    this.emitConversation(record);
  }

  private stopTyping(record: ConversationRecord, announce = false): void {
    if (record.typingTimer) clearTimeout(record.typingTimer);
    record.typingTimer = null;
    if (!record.typing) return;
    record.typing = false;
    if (announce) this.emitConversation(record);
  }

  private record(peer: string): ConversationRecord {
    const record = this.conversations.get(peer);
    if (!record) throw new AppError('unknown-peer', 'There is no conversation with that peer.');
    return record;
  }

  private sortedConversations(): Conversation[] {
    const lastActivity = (record: ConversationRecord) => record.messages.at(-1)?.at ?? 0;
    return [...this.conversations.values()].sort((a, b) => lastActivity(b) - lastActivity(a)).map((record) => this.toConversation(record));
  }

  private emitConversation(record: ConversationRecord): void {
    this.emit('peer:updated', this.toConversation(record));
  }

  private toConversation(record: ConversationRecord): Conversation {
    const last = record.messages.at(-1);
    return {
      peer: record.peer,
      mode: record.mode,
      name: record.name,
      address: record.address,
      ...(record.fingerprint !== undefined && { fingerprint: record.fingerprint }),
      state: record.state,
      unread: record.unread,
      ...(last && { lastMessage: { text: last.text.slice(0, 200), at: last.at, fromMe: last.fromMe } }),
      typing: record.typing,
      ...(record.lastReason !== undefined && { lastReason: record.lastReason }),
    };
  }
}

const ERROR_CODE_OF: Record<UserError['reason'], ErrorCode> = {
  'invalid-name': 'name-invalid',
  'invalid-message': 'message-invalid',
  'not-connected': 'not-connected',
};

/** Turns the peer's refusals of a user action into AppErrors with the sentence intact. */
function rethrowForPeople(err: unknown): never {
  if (err instanceof UserError) throw new AppError(ERROR_CODE_OF[err.reason], err.message);
  throw err;
}

function defaultName(): string {
  try {
    return os.userInfo().username || 'Peerline user';
  } catch {
    return 'Peerline user';
  }
}
