/**
 * A stand-in for the backend that runs inside the page, for the renderer's browser tests: it is installed as
 * `window.peerline` (the preload's Transport) before the app starts and implements the contract in memory, with
 * a conversation of 200,000 messages made up on demand. `window.__fake` lets the test play the other side.
 *
 * `installFakeBackend` is handed to Playwright's `addInitScript`, which sends its source text to the page:
 * it must not use anything from outside its own body.
 */
import type { InvokeChannel } from '../../shared/ipc/channels';
import type { ContractHandlers, Group, GroupMessage, Message, MessageStatus } from '../../shared/ipc/contract';
import type { ErrorCode } from '../../shared/ipc/result';

/** What a fake handler answers instead of a value when the backend would refuse: the Result's error. */
type Refusal = { error: { code: ErrorCode; message: string } };

/**
 * The contract's handler map, answered at once (the page's `invoke` adds the delay): every channel must be
 * there, so a channel added to the contract fails to compile here until the fake answers it too.
 */
type FakeHandlers = {
  [C in InvokeChannel]: (request: Parameters<ContractHandlers[C]>[0]) => Awaited<ReturnType<ContractHandlers[C]>> | Refusal;
};

export interface FakeOptions {
  /** Messages in the long conversation with Bob. */
  bobCount: number;
  /** The one message of Bob's history that search finds for "cafe". */
  cafeIndex: number;
  /** No display name chosen yet: the window opens on Welcome. */
  firstRun?: boolean;
}

export const BOB = 'b'.repeat(64);
export const CAROL = 'c'.repeat(64);
export const DAVE = 'd'.repeat(64);

/** What the page exposes as `window.__fake`. */
export interface FakeControl {
  calls: Array<[string, unknown]>;
  /** The ids of Bob's made-up messages, by index. */
  bobId(index: number): string;
  setState(peer: string, state: 'online' | 'offline' | 'connecting', nextRetryAt?: number): void;
  /** Every message of ours to `peer` that waits goes `status`. */
  settleAll(peer: string, status: 'delivered' | 'failed', failure?: string): void;
  /** A message from `peer`; `unapprovedKey`: sent by a new key awaiting the person's approval. */
  receive(peer: string, text: string, unapprovedKey?: boolean): void;
  keyChange(peer: string, needsApproval: boolean): void;
  /** Our messages to `peer` written before its key changed are held until the person sends them on. */
  hold(peer: string): void;
  /** `peer` becomes a message request with this much kept. */
  request(peer: string, messages: number, bytes: number): void;
  /** The nearby list becomes `peers` (and the page is told). */
  setNearby(peers: Array<{ fingerprint: string; address: string; contact?: { peer: string; name: string } }>): void;
  /** Milliseconds each call on a channel takes (5 unless set). */
  delays: Record<string, number>;
  /** Channels whose next call fails, with this message. */
  failNext: Record<string, string>;
}

export function installFakeBackend(options: FakeOptions): void {
  // Types only (erased): the function's source text is all that reaches the page.
  type Status = MessageStatus;
  type Msg = Message;
  const BOB = 'b'.repeat(64);
  const CAROL = 'c'.repeat(64);
  const DAVE = 'd'.repeat(64);
  const now = Date.now();
  const listeners = new Set<(event: string, payload: unknown) => void>();
  const emit = (event: string, payload: unknown) => {
    for (const listener of listeners) listener(event, structuredClone(payload));
  };
  const hex = (n: number) => n.toString(16).padStart(32, '0');
  const safety = Array.from({ length: 12 }, (_, i) => String(10_000 + i * 7_919).slice(0, 5)).join(' ');

  const conversation = (peer: string, name: string, extra: Record<string, unknown>) => ({
    peer,
    mode: 'secure',
    name,
    peerName: name,
    address: `127.0.0.1:${8000 + peer.charCodeAt(0)}`,
    fingerprint: `${name.toUpperCase().padEnd(4, 'X')} 2MZL 9QK4`,
    state: 'online',
    unread: 0,
    typing: false,
    verified: false,
    safetyNumber: safety,
    queued: 0,
    ...extra,
  });
  const conversations: Record<string, any> = {
    [BOB]: conversation(BOB, 'Bob', { unread: 3, lastMessage: { text: `Bob message #${options.bobCount - 1}`, at: now - 3_600_000, fromMe: false } }),
    [CAROL]: conversation(CAROL, 'Carol', { state: 'offline', nextRetryAt: now + 15_000, lastReason: 'Carol left.' }),
    [DAVE]: conversation(DAVE, 'Dave', { verified: true }),
  };

  // Bob's history is made up from the index; later messages (sent, received) are kept.
  const BOB_BASE = 1 << 24;
  const start = now - options.bobCount * 60_000 - 3_600_000;
  const bobMessage = (i: number): Msg => {
    const fromMe = i % 3 === 0;
    const long = i % 7 === 0 ? ' — and a longer line of text, so that this bubble wraps onto more lines and the rows differ in height.' : '';
    const text = i === options.cafeIndex ? `Let us meet at the Café #${i}` : `Bob message #${i}${long}`;
    const at = start + i * 60_000;
    return { id: hex(BOB_BASE + i), peer: BOB, fromMe, text, at, sentAt: at, kind: 'chat', ...(fromMe ? { status: 'read' as const } : {}) };
  };
  const extras: Record<string, Msg[]> = { [BOB]: [], [CAROL]: [], [DAVE]: [] };
  const made = (peer: string) => (peer === BOB ? options.bobCount : 0);
  for (let i = 0; i < 5; i++) {
    const at = now - (5 - i) * 3_600_000;
    extras[CAROL]!.push({ id: hex(0xc0000 + i), peer: CAROL, fromMe: i % 2 === 0, text: `Carol message #${i}`, at, sentAt: at, kind: 'chat', status: 'delivered' });
  }
  extras[DAVE]!.push({ id: hex(0xd0000), peer: DAVE, fromMe: false, text: 'Hi, Dave here', at: now - 120_000, sentAt: now - 120_000, kind: 'chat' });
  extras[DAVE]!.push({ id: hex(0xd0001), peer: DAVE, fromMe: false, text: 'Dave’s safety number changed.', at: now - 60_000, sentAt: now - 60_000, kind: 'notice' });
  const overrides = new Map<string, Partial<Msg>>();
  const count = (peer: string) => made(peer) + extras[peer]!.length;
  const get = (peer: string, i: number): Msg => {
    const base = i < made(peer) ? bobMessage(i) : extras[peer]![i - made(peer)]!;
    const override = overrides.get(base.id);
    return override === undefined ? base : { ...base, ...override };
  };
  const indexOf = (peer: string, id: string): number => {
    const n = Number.parseInt(id, 16);
    if (peer === BOB && n >= BOB_BASE && n < BOB_BASE + options.bobCount) return n - BOB_BASE;
    const index = extras[peer]!.findIndex((m) => m.id === id);
    if (index === -1) throw new Error(`unknown message ${id}`);
    return made(peer) + index;
  };
  let nextId = 0xe0000;
  const groups: Record<string, Group> = {};
  const groupMessages: Record<string, GroupMessage[]> = {};

  const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  const words = (text: string) => fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];

  const settings = {
    displayName: 'Me',
    port: 8000,
    allowPlain: true,
    readReceipts: false,
    reachableByKey: true,
    nearbyVisible: true,
    nearbyLook: true,
    probeAddresses: [] as string[],
    notifications: 'name-and-message' as 'name-and-message' | 'name-only' | 'neither' | 'off',
    closeToTray: false,
    startAtLogin: false,
    downloadDir: '/home/test/Downloads/Peerline',
    dhtRelay: '',
  };
  let nearby: Array<{ fingerprint: string; address: string; contact?: { peer: string; name: string } }> = [];
  const node = { listening: true, host: '0.0.0.0', port: 8000, addresses: ['127.0.0.1:8000'], allowPlain: true, notices: ['The message store was damaged; a copy was kept as store.damaged-1.'] };
  const identity = { id: 'f'.repeat(64), fingerprint: 'MEME 1234 5678', name: 'Me', nameChosen: options.firstRun !== true };

  const updated = (peer: string) => emit('peer:updated', conversations[peer]);
  const waiting = (peer: string) => {
    let n = 0;
    for (const m of extras[peer]!) {
      const status = overrides.get(m.id)?.status ?? m.status;
      if (m.fromMe && (status === 'queued' || status === 'sent')) n++;
    }
    return n;
  };
  const setStatus = (peer: string, id: string, status: Status, failure?: string) => {
    overrides.set(id, { ...overrides.get(id), status, failure });
    emit('message:status-changed', { peer, id, status, ...(failure !== undefined ? { failure } : {}) });
    conversations[peer].queued = waiting(peer);
    updated(peer);
  };

  const handlers: FakeHandlers = {
    'identity:get': () => identity,
    'identity:set-name': ({ name }) => Object.assign(identity, { name, nameChosen: true }),
    'node:status': () => node,
    'conversation:list': () => Object.values(conversations),
    'settings:get': () => settings,
    'settings:set': ({ downloadDir, ...request }) => Object.assign(settings, request, downloadDir !== undefined && { downloadDir }),
    'nearby:list': () => ({ peers: nearby }),
    'conversation:viewing': () => null,
    'nearby:connect': ({ fingerprint, address }) => {
      const heard = nearby.find((p) => p.fingerprint === fingerprint && p.address === address);
      if (!heard) return { error: { code: 'invalid-request', message: `${fingerprint} is no longer heard at ${address}.` } };
      return conversations[heard.contact?.peer ?? BOB];
    },
    // File transfer is tested against real peers (tests/e2e/files-in-the-browser.test.ts); here it has none.
    'file:list': () => [],
    'file:send': () => ({ error: { code: 'file-invalid', message: 'No files in the fake backend.' } }),
    'file:choose': () => [],
    'file:accept': () => ({ error: { code: 'unknown-transfer', message: 'There is no such transfer.' } }),
    'file:decline': () => ({ error: { code: 'unknown-transfer', message: 'There is no such transfer.' } }),
    'file:cancel': () => ({ error: { code: 'unknown-transfer', message: 'There is no such transfer.' } }),
    'file:pause': () => ({ error: { code: 'unknown-transfer', message: 'There is no such transfer.' } }),
    'file:resume': () => ({ error: { code: 'unknown-transfer', message: 'There is no such transfer.' } }),
    'file:show': () => ({ error: { code: 'unknown-transfer', message: 'There is no such transfer.' } }),
    'conversation:mark-read': ({ peer }) => {
      conversations[peer].unread = 0;
      return null;
    },
    'message:typing': () => null,
    'message:list': ({ peer, before, after, around, limit = 100 }) => {
      const length = count(peer);
      let from: number;
      let to: number;
      if (before !== undefined) {
        to = indexOf(peer, before);
        from = Math.max(0, to - limit);
      } else if (after !== undefined) {
        from = indexOf(peer, after) + 1;
        to = Math.min(length, from + limit);
      } else if (around !== undefined) {
        from = Math.max(0, indexOf(peer, around) - Math.floor(limit / 2));
        to = Math.min(length, from + limit);
      } else {
        to = length;
        from = Math.max(0, to - limit);
      }
      const messages: Msg[] = [];
      for (let i = from; i < to; i++) messages.push(get(peer, i));
      return { messages, hasMore: from > 0, hasNewer: to < length };
    },
    'message:send': ({ peer, text }) => {
      const online = conversations[peer].state === 'online';
      const message: Msg = { id: hex(nextId++), peer, fromMe: true, text, at: Date.now(), sentAt: Date.now(), kind: 'chat', status: online ? 'sent' : 'queued' };
      extras[peer]!.push(message);
      conversations[peer].lastMessage = { text, at: message.at, fromMe: true };
      conversations[peer].queued = waiting(peer);
      updated(peer);
      if (online) setTimeout(() => setStatus(peer, message.id, 'delivered'), 30);
      return message;
    },
    'message:retry': ({ peer, id }) => {
      const message = get(peer, indexOf(peer, id));
      if (message.status !== 'failed') return { error: { code: 'invalid-request', message: 'Only a failed message can be sent again.' } };
      setStatus(peer, id, 'queued');
      return get(peer, indexOf(peer, id));
    },
    'message:cancel': ({ peer, id }) => {
      extras[peer] = extras[peer]!.filter((m) => m.id !== id);
      emit('message:removed', { peer, id });
      conversations[peer].queued = waiting(peer);
      updated(peer);
      return null;
    },
    'message:search': ({ query, limit = 50 }) => {
      const terms = words(query);
      const results: Array<{ peer: string; name: string; message: Msg }> = [];
      for (const peer of Object.keys(conversations)) {
        for (let i = count(peer) - 1; i >= 0 && results.length < limit; i--) {
          const message = get(peer, i);
          const have = words(message.text);
          if (terms.every((term) => have.some((word) => word.startsWith(term)))) results.push({ peer, name: conversations[peer].name, message });
        }
      }
      return { results, more: false };
    },
    'contact:verify': ({ peer, verified }) => Object.assign(conversations[peer], { verified }),
    'contact:approve-key': ({ peer }) => {
      const c = conversations[peer];
      c.verified = false;
      delete c.keyChange;
      return c;
    },
    'contact:dismiss-key-change': ({ peer }) => {
      const c = conversations[peer];
      delete c.keyChange;
      return c;
    },
    'contact:send-held': ({ peer }) => {
      const c = conversations[peer];
      delete c.heldUntil;
      return c;
    },
    'contact:rename': ({ peer, name }) => {
      const c = conversations[peer];
      if (name === null) {
        delete c.localName;
        c.name = c.peerName;
      } else {
        c.localName = name;
        c.name = name;
      }
      return c;
    },
    'contact:auto-accept': ({ peer, bytes }) => {
      const c = conversations[peer];
      if (bytes === null) delete c.autoAcceptBytes;
      else c.autoAcceptBytes = bytes;
      return c;
    },
    'contact:remove': ({ peer }) => {
      delete conversations[peer];
      emit('conversation:removed', { peer });
      return null;
    },
    'request:accept': ({ peer }) => {
      delete conversations[peer].request;
      updated(peer);
      return conversations[peer];
    },
    'request:decline': ({ peer }) => {
      delete conversations[peer];
      emit('conversation:removed', { peer });
      return null;
    },
    'contact:block': ({ peer }) => {
      delete conversations[peer];
      emit('conversation:removed', { peer });
      return null;
    },
    'contact:reconnect': ({ peer }) => {
      conversations[peer].state = 'connecting';
      delete conversations[peer].nextRetryAt;
      updated(peer);
      return null;
    },
    'peer:connect': ({ host, port }) => {
      const known = Object.values(conversations).find((c) => c.address === `${host}:${port}`);
      if (known === undefined) return { error: { code: 'dial-refused', message: `Nobody is listening at ${host}:${port}.` } };
      known.state = 'online';
      delete known.nextRetryAt;
      updated(known.peer);
      return known;
    },
    // Runs inside the page (serialized): no imports, so addresses and hex keys only, read the simple way.
    'peer:dial': ({ target }) => {
      const text = target.trim();
      if (/^[0-9a-f]{64}$/i.test(text)) {
        const known = conversations[text.toLowerCase()];
        if (known === undefined) return { error: { code: 'dial-not-on-dht', message: `The key ${text.slice(0, 12)}… is not on the DHT.` } };
        Object.assign(known, { state: 'online', path: 'holepunched' });
        delete known.nextRetryAt;
        updated(known.peer);
        return known;
      }
      const colon = text.lastIndexOf(':');
      const host = text.slice(0, colon).replace(/^\[|\]$/g, '');
      return handlers['peer:connect']({ host, port: Number(text.slice(colon + 1)), mode: 'secure' });
    },
    'peer:dial-back': ({ via }) => ({ tried: via === 'tcp' ? '203.0.113.5:8000' : 'your key on the DHT', reachable: via === 'dht' }),
    'node:doctor': () => ({
      host: '0.0.0.0',
      port: settings.port,
      addresses: node.addresses,
      reachableByKey: settings.reachableByKey,
      link: `peerline:${'a'.repeat(52)}?n=${encodeURIComponent(identity.name)}`,
      dht: settings.reachableByKey
        ? { announced: true, publicAddress: null, natType: 'consistent' as const, reachability: 'You are behind a NAT that keeps your port.', bootstrap: [], relay: settings.dhtRelay || null }
        : null,
    }),
    'peer:cancel-connect': () => null,
    'peer:disconnect': () => null,
    'peer:list': () => Object.values(conversations),
    // Groups: kept in the page, enough for the window's group screens; the real engine is tested in tests/core.
    'group:list': () => Object.values(groups),
    'group:create': ({ name, members }) => {
      const id = hex(nextId++).padStart(64, '0');
      const me = { id: identity.id.padStart(64, '0').slice(0, 64), name: identity.name, role: 'admin' as const, me: true, online: true, lastSeen: Date.now() };
      groups[id] = {
        id, name, isMember: true, joinedBy: me.id, waiting: 0, gaps: [], otherMissing: 0,
        members: [me, ...members.map((peer) => ({ id: peer.padStart(64, '0').slice(0, 64), name: conversations[peer]?.name ?? peer, role: 'member' as const, me: false, online: conversations[peer]?.state === 'online', lastSeen: null }))],
      };
      groupMessages[id] = [];
      emit('group:updated', groups[id]);
      return groups[id];
    },
    'group:add': ({ group, member, role }) => {
      groups[group]!.members.push({ id: member.padStart(64, '0').slice(0, 64), name: conversations[member]?.name ?? member, role, me: false, online: false, lastSeen: null });
      emit('group:updated', groups[group]);
      return groups[group]!;
    },
    'group:remove': ({ group, member }) => {
      groups[group]!.members = groups[group]!.members.filter((m) => m.id !== member.padStart(64, '0').slice(0, 64));
      emit('group:updated', groups[group]);
      return groups[group]!;
    },
    'group:promote': ({ group, member }) => {
      const target = groups[group]!.members.find((m) => m.id === member.padStart(64, '0').slice(0, 64));
      if (target) target.role = 'admin';
      emit('group:updated', groups[group]);
      return groups[group]!;
    },
    'group:rename': ({ group, name }) => {
      groups[group]!.name = name;
      emit('group:updated', groups[group]);
      return groups[group]!;
    },
    'group:leave': ({ group }) => {
      groups[group]!.isMember = false;
      emit('group:removed', { group, by: groups[group]!.joinedBy });
      return null;
    },
    'group:send': ({ group, text }) => {
      const others = groups[group]!.members.length - 1;
      const me = groups[group]!.members.find((m) => m.me)!;
      const message = { group, id: hex(nextId++).padStart(64, '0'), from: me.id, fromName: me.name, fromMe: true, text, sentAt: Date.now(), counter: 0, late: false, status: 'queued' as const, delivered: 0, members: others };
      groupMessages[group]!.push(message);
      return message;
    },
    'group:history': ({ group, limit }) => ({ messages: groupMessages[group]!.slice(-limit), hasMore: groupMessages[group]!.length > limit }),
  };

  const control = {
    calls: [] as Array<[string, unknown]>,
    delays: {} as Record<string, number>,
    failNext: {} as Record<string, string>,
    bobId: (index: number) => hex(BOB_BASE + index),
    setState(peer: string, state: string, nextRetryAt?: number) {
      conversations[peer].state = state;
      if (nextRetryAt === undefined) delete conversations[peer].nextRetryAt;
      else conversations[peer].nextRetryAt = nextRetryAt;
      updated(peer);
    },
    settleAll(peer: string, status: Status, failure?: string) {
      for (const m of extras[peer]!) {
        const current = overrides.get(m.id)?.status ?? m.status;
        if (m.fromMe && (current === 'queued' || current === 'sent')) setStatus(peer, m.id, status, failure);
      }
    },
    receive(peer: string, text: string, unapprovedKey?: boolean) {
      const message: Msg = { id: hex(nextId++), peer, fromMe: false, text, at: Date.now(), sentAt: Date.now(), kind: 'chat', ...(unapprovedKey && { unapprovedKey }) };
      extras[peer]!.push(message);
      conversations[peer].lastMessage = { text, at: message.at, fromMe: false };
      emit('message:received', message);
      updated(peer);
    },
    keyChange(peer: string, needsApproval: boolean) {
      conversations[peer].keyChange = { at: Date.now(), previousFingerprint: 'OLDK EY00 0000', fingerprint: 'NEWK EY11 1111', needsApproval };
      updated(peer);
    },
    hold(peer: string) {
      conversations[peer].heldUntil = Date.now();
      updated(peer);
    },
    request(peer: string, messages: number, bytes: number) {
      conversations[peer].request = { messages, bytes };
      updated(peer);
    },
    setNearby(peers: typeof nearby) {
      nearby = peers;
      emit('nearby:updated', { peers });
    },
  };

  const page = globalThis as unknown as { __fake: typeof control; peerline: unknown };
  page.__fake = control;
  page.peerline = {
    async invoke(channel: InvokeChannel, request: unknown) {
      control.calls.push([channel, request]);
      await new Promise((resolve) => setTimeout(resolve, control.delays[channel] ?? 5));
      const failure = control.failNext[channel];
      if (failure !== undefined) {
        delete control.failNext[channel];
        return { ok: false, error: { code: 'internal', message: failure } };
      }
      // One channel's handler, called with what the page sent (checked by the backend's schemas, not here).
      const handler = handlers[channel] as (request: unknown) => unknown;
      try {
        const value = handler(request ?? {});
        if (value !== null && typeof value === 'object' && 'error' in value) return { ok: false, ...(value as object) };
        return { ok: true, value: structuredClone(value) };
      } catch (err) {
        return { ok: false, error: { code: 'internal', message: String(err) } };
      }
    },
    subscribe(listener: (event: string, payload: unknown) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
