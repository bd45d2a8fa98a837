import type { Readable, Writable } from 'node:stream';
import { parsePeerAddress } from '../../shared/address';
import type { InvokeChannel } from '../../shared/ipc/channels';
import type { Conversation, EventPayload, Message, RequestOf, ResponseOf } from '../../shared/ipc/contract';
import { dispatch } from '../../shared/ipc/dispatch';
import type { AppService } from '../core/app-service';
import { groupJsonEvent, isGroupCommand, runGroupCommand } from './groups';
import { nearbyJson } from './nearby';
import { fileJsonEvents, isFileCommand, runFileCommand } from './files';
import { isRequestCommand, REQUEST_COMMANDS, requestEvents } from './requests';
import type { ContactSession } from '../core/app-service';

/** The most history one `history` command answers with; page back with `before` for more. */
const HISTORY_PAGE_LIMIT = 500;
/**
 * The longest stdin line read as a command: a message at the text limit, JSON-escaped at worst six bytes a
 * character, fits with room. Longer lines are skipped up to their newline (with one `error`), never buffered whole.
 */
export const MAX_COMMAND_LINE_BYTES = 1024 * 1024;
/**
 * How far a slow reader of stdout may fall behind: bytes of events written and not yet taken by the reader. Past
 * it, events are dropped and counted, and one `overflow` event tells what was dropped once the reader caught up.
 */
export const MAX_PENDING_OUTPUT_BYTES = 4 * 1024 * 1024;
/** The most peers one `overflow` event lists. */
const OVERFLOW_PEERS_LISTED = 100;

/**
 * `peerline --json`: a public contract for scripts. One JSON object per line; stdout carries only events, logs
 * go to stderr. Commands arrive on stdin. A line that is not a valid command yields an `error` event and the
 * process goes on. Every command goes through the same validated contract as the window (`dispatch`), so
 * messages are stored, queued for offline contacts and resent until delivered, exactly as in the app.
 */
export function runJsonMode(
  service: AppService,
  io: { input: Readable; output: Writable; log: (line: string) => void; uiUrl?: string; maxPendingBytes?: number },
): Promise<void> {
  const node = service.node;
  const emit = eventSink(io.output, io.maxPendingBytes ?? MAX_PENDING_OUTPUT_BYTES);
  const peerOf = (info: ContactSession) => ({
    peer: info.peer,
    address: info.address,
    dialAddress: info.dialAddress,
    mode: info.mode,
    path: info.path,
    ...(info.id !== undefined && { id: info.id, name: info.name, fingerprint: info.fingerprint }),
  });

  service.sessions.on('connected', (info) => emit({ event: 'connected', ...peerOf(info) }));
  service.sessions.on('disconnected', ({ peer, reason }) => emit({ event: 'disconnected', peer, reason }));
  node.on('log', io.log);
  const requests = requestEvents(emit);
  fileJsonEvents(service.files, emit);
  service.subscribe((event, payload) => {
    if (groupJsonEvent(event, payload, emit)) return;
    if (event === 'peer:updated') requests.updated(payload as Conversation);
    else if (event === 'conversation:removed') requests.removed((payload as { peer: string }).peer);
    else if (event === 'message:received') {
      const message = payload as Message;
      if (message.kind === 'notice') emit({ event: 'notice', peer: message.peer, text: message.text });
      else emit({ event: 'message', peer: message.peer, id: message.id, text: message.text, ...(message.unapprovedKey && { unapprovedKey: true }) });
    } else if (event === 'message:status-changed') {
      const { peer, id, status, failure } = payload as { peer: string; id: string; status: string; failure?: string };
      if (status !== 'queued') emit({ event: status, peer, id, ...(failure !== undefined && { reason: failure }) });
    } else if (event === 'nearby:updated') {
      emit(nearbyJson((payload as EventPayload<'nearby:updated'>).peers));
    } else if (event === 'error:raised') {
      emit({ event: 'error', message: (payload as { message: string }).message });
    }
  });

  emit({ event: 'listening', host: node.listeningHost, port: node.port, id: node.id });
  if (io.uiUrl) emit({ event: 'ui', url: io.uiUrl });
  for (const notice of service.startupNotices()) emit({ event: 'notice', text: notice });

  return new Promise((resolve) => {
    let quitting = false;
    const quit = async () => {
      if (quitting) return;
      quitting = true;
      lines.close();
      await service.close();
      resolve();
    };
    const onLine = (line: string | null): void => {
      if (line === null) return emit({ event: 'error', message: `That line is longer than ${MAX_COMMAND_LINE_BYTES} bytes; it was skipped.` });
      if (line.trim() === '') return;
      let command: Record<string, unknown>;
      try {
        command = JSON.parse(line);
      } catch {
        return emit({ event: 'error', message: 'That line is not JSON.' });
      }
      if (typeof command !== 'object' || command === null || Array.isArray(command)) {
        return emit({ event: 'error', message: 'A command is a JSON object with a "cmd" field.' });
      }
      if (!Object.hasOwn(command, 'cmd')) return emit({ event: 'error', message: 'A command needs a "cmd" field.' });
      if (typeof command.cmd !== 'string') return emit({ event: 'error', message: '"cmd" is a string, the name of a command.' });
      const cmd = command.cmd;
      /** Only the command's own fields: `toString` or `__proto__` never come from Object.prototype. */
      const own = (name: string): unknown => (Object.hasOwn(command, name) ? command[name] : undefined);
      const fail = (message: string) => emit({ event: 'error', message, cmd });
      /** Calls the contract; answers with `then` on success, an `error` event otherwise. */
      const call = <C extends InvokeChannel>(channel: C, request: RequestOf<C>, then: (value: ResponseOf<C>) => void) =>
        void dispatch(service.handlers, channel, request)
          .then((result) => (result.ok ? then(result.value as ResponseOf<C>) : fail(result.error.message)))
          .catch((err: unknown) => {
            io.log(`"${cmd}" failed: ${(err as Error)?.stack ?? String(err)}`);
            fail('That command failed; see the log on stderr.');
          });
      const field = (name: string): string | null => {
        const value = own(name);
        if (typeof value === 'string' && value.length > 0) return value;
        fail(`"${cmd}" needs the string field "${name}".`);
        return null;
      };
      if (isGroupCommand(cmd)) return runGroupCommand(cmd, own, call, emit, fail);
      if (isFileCommand(cmd)) return runFileCommand(service.files, cmd, own, emit, fail);
      if (isRequestCommand(cmd)) {
        const peer = field('peer');
        if (peer !== null) call(REQUEST_COMMANDS[cmd], { peer }, () => {});
        return;
      }
      switch (cmd) {
        case 'connect': {
          const address = field('address');
          if (address === null) return;
          const mode = own('mode') ?? 'secure';
          if (mode !== 'secure' && mode !== 'plain') return fail('"mode" is "secure" or "plain".');
          if (mode === 'secure') return call('peer:dial', { target: address }, () => {});
          const parsed = parsePeerAddress(address);
          if (!parsed.ok) return fail(parsed.error);
          return call('peer:connect', { host: parsed.host, port: parsed.port, mode }, () => {});
        }
        case 'doctor':
          return call('node:doctor', {}, (report) => emit({ event: 'doctor', ...report }));
        case 'dial-back': {
          const peer = field('peer');
          if (peer === null) return;
          const via = own('via') ?? 'tcp';
          if (via !== 'tcp' && via !== 'dht') return fail('"via" is "tcp" or "dht".');
          return call('peer:dial-back', { peer, via }, (result) => emit({ event: 'dial-back', peer, via, ...result }));
        }
        case 'send': {
          const peer = field('peer');
          if (peer === null) return;
          const text = own('text');
          if (typeof text !== 'string') return fail('"send" needs the string field "text".');
          // `sent` comes as the status changes; a message that has to wait says so.
          return call('message:send', { peer, text }, (message) => {
            if (message.status === 'queued') emit({ event: 'queued', peer, id: message.id });
          });
        }
        case 'disconnect': {
          const peer = field('peer');
          if (peer === null) return;
          return call('peer:disconnect', { peer }, () => {});
        }
        case 'send-held': {
          const peer = field('peer');
          if (peer === null) return;
          return call('contact:send-held', { peer }, () => {});
        }
        case 'history': {
          const peer = field('peer');
          if (peer === null) return;
          const before = own('before');
          const limit = own('limit');
          if (before !== undefined && typeof before !== 'string') return fail('"before" is a message id.');
          if (limit !== undefined && typeof limit !== 'number') return fail('"limit" is a number.');
          return call('message:list', { peer, ...(before !== undefined && { before }), limit: Math.min(limit ?? 100, HISTORY_PAGE_LIMIT) }, (page) =>
            emit({
              event: 'history',
              peer,
              messages: page.messages
                .filter((m) => m.kind === 'chat')
                .map((m) => ({ id: m.id, from: m.fromMe ? 'me' : peer, text: m.text, sentAt: m.sentAt, ...(m.status !== undefined && { status: m.status }), ...(m.unapprovedKey && { unapprovedKey: true }) })),
              hasMore: page.hasMore,
            }),
          );
        }
        case 'nearby':
          return call('nearby:list', {}, ({ peers }) => emit(nearbyJson(peers)));
        case 'nearby-connect': {
          const fingerprint = field('fingerprint');
          const address = fingerprint === null ? null : field('address');
          if (address === null) return;
          return call('nearby:connect', { fingerprint: fingerprint!, address }, () => {});
        }
        case 'contacts':
          return emit({ event: 'contacts', contacts: service.contactSummaries() });
        case 'peers':
          return emit({ event: 'peers', peers: service.openSessions().map(peerOf) });
        case 'quit':
          void quit();
          return;
        default:
          return fail(`Unknown command "${cmd}".`);
      }
    };
    // No line may end the process: whatever the handler did not expect is told as an `error` and we go on.
    const lines = readLines(io.input, MAX_COMMAND_LINE_BYTES, (line) => {
      try {
        onLine(line);
      } catch (err) {
        io.log(`a command line failed: ${(err as Error)?.stack ?? String(err)}`);
        emit({ event: 'error', message: 'That command failed; see the log on stderr.' });
      }
    });
    void lines.closed.then(quit);
  });
}

/**
 * Splits `input` into lines at `\n` (a trailing `\r` is dropped) and hands each to `onLine`; a line longer than
 * `maxBytes` is dropped up to its newline and reported once as `null`, so no line is ever held whole in memory.
 */
export function readLines(input: Readable, maxBytes: number, onLine: (line: string | null) => void): { close(): void; closed: Promise<void> } {
  let parts: Buffer[] = [];
  let held = 0;
  let skipping = false;
  let finished = false;
  let finish!: () => void;
  const closed = new Promise<void>((resolve) => (finish = resolve));
  const end = () => {
    if (finished) return;
    finished = true;
    input.off('data', onData);
    input.off('end', onEnd);
    input.off('close', onEnd);
    finish();
  };
  const take = (chunk: Buffer) => {
    if (skipping) return;
    if (held + chunk.length > maxBytes) {
      parts = [];
      held = 0;
      skipping = true;
      onLine(null);
      return;
    }
    parts.push(chunk);
    held += chunk.length;
  };
  const onData = (data: Buffer | string) => {
    let chunk = typeof data === 'string' ? Buffer.from(data) : data;
    for (let newline = chunk.indexOf(10); newline >= 0 && !finished; newline = chunk.indexOf(10)) {
      take(chunk.subarray(0, newline));
      chunk = chunk.subarray(newline + 1);
      if (skipping) skipping = false;
      else {
        const line = Buffer.concat(parts).toString('utf8');
        parts = [];
        held = 0;
        onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      }
    }
    if (!finished && chunk.length > 0) take(chunk);
  };
  const onEnd = () => {
    if (!skipping && held > 0) onLine(Buffer.concat(parts).toString('utf8'));
    end();
  };
  input.on('data', onData);
  input.on('end', onEnd);
  input.on('close', onEnd);
  return { close: end, closed };
}

/**
 * Writes events as NDJSON to `output` with bounded memory. While the reader keeps up, every event is written. When
 * more than `maxPendingBytes` wait for it, later events are not written but counted by kind and peer; once
 * everything written has been taken (`drain`), a single event tells what was lost and how to catch up:
 *
 *   {"event":"overflow","dropped":N,"kinds":{"message":n,…},"peers":[…],"resync":"…"}
 *
 * Nothing is lost from the store: `history` for each listed peer gives every message and its status.
 */
export function eventSink(output: Writable, maxPendingBytes: number): (event: Record<string, unknown>) => void {
  let overflow: { dropped: number; kinds: Record<string, number>; peers: Set<string>; morePeers: boolean } | null = null;
  const tellOverflow = () => {
    if (overflow === null) return;
    const { dropped, kinds, peers, morePeers } = overflow;
    overflow = null;
    output.write(
      JSON.stringify({
        event: 'overflow',
        dropped,
        kinds,
        peers: [...peers],
        ...(morePeers && { morePeers: true }),
        resync: 'stdout was not read fast enough, so these events were dropped. Nothing is lost: {"cmd":"history","peer":…} gives each listed peer\'s messages and their status, {"cmd":"contacts"} and {"cmd":"peers"} who is online.',
      }) + '\n',
    );
  };
  return (event) => {
    const line = JSON.stringify(event) + '\n';
    // Below the stream's own mark (no `drain` awaited), a line is always written: one event is never too big.
    if (overflow === null && (!output.writableNeedDrain || output.writableLength + line.length <= maxPendingBytes)) {
      output.write(line);
      return;
    }
    if (overflow === null) {
      overflow = { dropped: 0, kinds: Object.create(null) as Record<string, number>, peers: new Set(), morePeers: false };
      output.once('drain', tellOverflow);
    }
    overflow.dropped += 1;
    const kind = String(event.event);
    overflow.kinds[kind] = (overflow.kinds[kind] ?? 0) + 1;
    if (typeof event.peer === 'string' && !overflow.peers.has(event.peer)) {
      if (overflow.peers.size < OVERFLOW_PEERS_LISTED) overflow.peers.add(event.peer);
      else overflow.morePeers = true;
    }
  };
}
