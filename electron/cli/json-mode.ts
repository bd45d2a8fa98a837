import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parsePeerAddress } from '../../shared/address';
import type { InvokeChannel } from '../../shared/ipc/channels';
import type { Message, RequestOf, ResponseOf } from '../../shared/ipc/contract';
import { dispatch } from '../../shared/ipc/dispatch';
import type { AppService } from '../core/app-service';
import type { PeerInfo } from '../core/peer-node';

/** The most history one `history` command answers with; page back with `before` for more. */
const HISTORY_PAGE_LIMIT = 500;

/**
 * `peerline --json`: a public contract for scripts. One JSON object per line; stdout carries only events, logs
 * go to stderr. Commands arrive on stdin. A line that is not a valid command yields an `error` event and the
 * process goes on. Every command goes through the same validated contract as the window (`dispatch`), so
 * messages are stored, queued for offline contacts and resent until delivered, exactly as in the app.
 */
export function runJsonMode(service: AppService, io: { input: Readable; output: Writable; log: (line: string) => void; uiUrl?: string }): Promise<void> {
  const node = service.node;
  const emit = (event: Record<string, unknown>) => io.output.write(JSON.stringify(event) + '\n');
  const peerOf = (info: PeerInfo) => ({
    peer: service.peerOf(info.peer),
    address: info.address,
    dialAddress: info.dialAddress,
    mode: info.mode,
    ...(info.id !== undefined && { id: info.id, name: info.name, fingerprint: info.fingerprint }),
  });

  service.sessions.on('connected', (info) => emit({ event: 'connected', ...peerOf(info) }));
  service.sessions.on('disconnected', ({ peer, reason }) => emit({ event: 'disconnected', peer, reason }));
  node.on('log', io.log);
  service.subscribe((event, payload) => {
    if (event === 'message:received') {
      const message = payload as Message;
      if (message.kind === 'notice') emit({ event: 'notice', peer: message.peer, text: message.text });
      else emit({ event: 'message', peer: message.peer, id: message.id, text: message.text });
    } else if (event === 'message:status-changed') {
      const { peer, id, status, failure } = payload as { peer: string; id: string; status: string; failure?: string };
      if (status !== 'queued') emit({ event: status, peer, id, ...(failure !== undefined && { reason: failure }) });
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
    const lines = readline.createInterface({ input: io.input, crlfDelay: Infinity });
    lines.on('line', (line) => {
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
      const cmd = command.cmd;
      const fail = (message: string) => emit({ event: 'error', message, cmd });
      /** Calls the contract; answers with `then` on success, an `error` event otherwise. */
      const call = <C extends InvokeChannel>(channel: C, request: RequestOf<C>, then: (value: ResponseOf<C>) => void) =>
        void dispatch(service.handlers, channel, request).then((result) => (result.ok ? then(result.value as ResponseOf<C>) : fail(result.error.message)));
      const field = (name: string): string | null => {
        const value = command[name];
        if (typeof value === 'string' && value.length > 0) return value;
        fail(`"${String(cmd)}" needs the string field "${name}".`);
        return null;
      };
      switch (cmd) {
        case 'connect': {
          const address = field('address');
          if (address === null) return;
          const mode = command.mode ?? 'secure';
          if (mode !== 'secure' && mode !== 'plain') return fail('"mode" is "secure" or "plain".');
          const parsed = parsePeerAddress(address);
          if (!parsed.ok) return fail(parsed.error);
          return call('peer:connect', { host: parsed.host, port: parsed.port, mode }, () => {});
        }
        case 'send': {
          const peer = field('peer');
          if (peer === null) return;
          if (typeof command.text !== 'string') return fail('"send" needs the string field "text".');
          // `sent` comes as the status changes; a message that has to wait says so.
          return call('message:send', { peer, text: command.text }, (message) => {
            if (message.status === 'queued') emit({ event: 'queued', peer, id: message.id });
          });
        }
        case 'disconnect': {
          const peer = field('peer');
          if (peer === null) return;
          return call('peer:disconnect', { peer }, () => {});
        }
        case 'history': {
          const peer = field('peer');
          if (peer === null) return;
          const { before, limit } = command;
          if (before !== undefined && typeof before !== 'string') return fail('"before" is a message id.');
          if (limit !== undefined && typeof limit !== 'number') return fail('"limit" is a number.');
          return call('message:list', { peer, ...(before !== undefined && { before }), limit: Math.min(limit ?? 100, HISTORY_PAGE_LIMIT) }, (page) =>
            emit({
              event: 'history',
              peer,
              messages: page.messages
                .filter((m) => m.kind === 'chat')
                .map((m) => ({ id: m.id, from: m.fromMe ? 'me' : peer, text: m.text, sentAt: m.sentAt, ...(m.status !== undefined && { status: m.status }) })),
              hasMore: page.hasMore,
            }),
          );
        }
        case 'contacts':
          return emit({ event: 'contacts', contacts: service.contactSummaries() });
        case 'peers':
          return emit({ event: 'peers', peers: node.peers().map(peerOf) });
        case 'quit':
          void quit();
          return;
        default:
          return fail(cmd === undefined ? 'A command needs a "cmd" field.' : `Unknown command "${String(cmd)}".`);
      }
    });
    lines.on('close', () => void quit());
  });
}
