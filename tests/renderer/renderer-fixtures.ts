/** What the renderer's state tests share: two peers, conversations and messages, a transport and a link to drive. */
import type { EventChannel, InvokeChannel } from '../../shared/ipc/channels';
import { createApi, type Transport } from '../../shared/ipc/client';
import type { Conversation, Message } from '../../shared/ipc/contract';
import { fail, ok, type Result } from '../../shared/ipc/result';
import type { LinkSource, LinkState } from '../../renderer/api/link';
import { createAppStore, type StoreOptions } from '../../renderer/state/store';

export const PEER = 'a'.repeat(64);
export const OTHER = 'b'.repeat(64);
export const id = (n: number) => n.toString(16).padStart(32, '0');

export function conversation(overrides: Partial<Conversation> = {}): Conversation {
  return {
    peer: PEER,
    mode: 'secure',
    name: 'Alice',
    peerName: 'Alice',
    address: '10.0.0.5:8000',
    state: 'online',
    unread: 0,
    typing: false,
    verified: false,
    queued: 0,
    ...overrides,
  };
}

/** The number a fixture message id stands for (see `id`). */
export const numberOf = (messageId: string) => Number.parseInt(messageId, 16);

export function message(n: number, overrides: Partial<Message> = {}): Message {
  return { id: id(n), peer: PEER, fromMe: false, text: `m${n}`, at: 1_000 * n, sentAt: 1_000 * n, kind: 'chat', ...overrides };
}

export type Handler = (request: any) => Result<unknown> | Promise<Result<unknown>>;

/** A transport that answers from a table and lets the test fire events. */
export function fakeTransport(handlers: Partial<Record<InvokeChannel, Handler>>) {
  const listeners = new Set<(event: EventChannel, payload: unknown) => void>();
  const calls: Array<[InvokeChannel, unknown]> = [];
  const transport: Transport = {
    async invoke(channel, request) {
      calls.push([channel, request]);
      const handler = handlers[channel];
      return handler ? handler(request) : fail('internal', `no handler for ${channel}`);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const emit = (event: EventChannel, payload: unknown) => {
    for (const listener of listeners) listener(event, payload);
  };
  return { transport, emit, calls, listeners };
}

export function fakeLink(): LinkSource & { set(link: LinkState): void } {
  let link: LinkState = { status: 'open', failures: 0, everOpened: true };
  const listeners = new Set<(link: LinkState) => void>();
  return {
    get: () => link,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    retryNow: () => {},
    set(next) {
      link = next;
      for (const listener of listeners) listener(next);
    },
  };
}

/** The app's store over a stand-in transport answering from `handlers`, and a link to drive. */
export function testStore(handlers: Partial<Record<InvokeChannel, Handler>> = {}, options: Omit<StoreOptions, 'api' | 'link'> = {}) {
  const { transport, emit, calls, listeners } = fakeTransport(handlers);
  const api = createApi(transport);
  const link = fakeLink();
  const store = createAppStore({ api, link, ...options });
  const of = (channel: InvokeChannel) => calls.filter(([c]) => c === channel).map(([, r]) => r);
  return { store, api, link, emit, calls, of, listeners };
}

/** A backend history of `count()` messages numbered from 0, paged as `message:list` pages. */
export function pagedHistory(count: () => number, extra: (n: number) => Partial<Message> = () => ({})): Handler {
  return ({ before, after, around, limit = 100 }) => {
    const total = count();
    let from: number;
    let to: number;
    if (before !== undefined) [from, to] = [Math.max(0, numberOf(before) - limit), numberOf(before)];
    else if (after !== undefined) [from, to] = [numberOf(after) + 1, Math.min(total, numberOf(after) + 1 + limit)];
    else if (around !== undefined) {
      from = Math.max(0, numberOf(around) - Math.floor(limit / 2));
      to = Math.min(total, from + limit);
    } else [from, to] = [Math.max(0, total - limit), total];
    const messages = Array.from({ length: to - from }, (_, i) => message(from + i, extra(from + i)));
    return ok({ messages, hasMore: from > 0, hasNewer: to < total });
  };
}
