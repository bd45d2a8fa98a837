import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parsePeerAddress } from '../../shared/address';
import type { PeerInfo, PeerNode } from '../core/peer-node';

/**
 * `peerline --json`: a public contract for scripts. One JSON object per line; stdout carries only events, logs
 * go to stderr. Commands arrive on stdin. A line that is not a valid command yields an `error` event and the
 * process goes on.
 */
export function runJsonMode(node: PeerNode, io: { input: Readable; output: Writable; log: (line: string) => void; uiUrl?: string }): Promise<void> {
  const emit = (event: Record<string, unknown>) => io.output.write(JSON.stringify(event) + '\n');
  const connectedEvent = (info: PeerInfo) => ({
    event: 'connected',
    peer: info.peer,
    address: info.address,
    mode: info.mode,
    ...(info.id !== undefined && { id: info.id, name: info.name, fingerprint: info.fingerprint }),
  });

  node.on('connected', (info) => emit(connectedEvent(info)));
  node.on('disconnected', ({ peer, reason }) => emit({ event: 'disconnected', peer, reason }));
  node.on('message', ({ peer, id, text }) => emit({ event: 'message', peer, ...(id !== undefined && { id }), text }));
  node.on('sent', ({ peer, id }) => emit({ event: 'sent', peer, id }));
  node.on('delivered', ({ peer, id }) => emit({ event: 'delivered', peer, id }));
  node.on('log', io.log);

  emit({ event: 'listening', host: node.listeningHost, port: node.port, id: node.id });
  if (io.uiUrl) emit({ event: 'ui', url: io.uiUrl });

  return new Promise((resolve) => {
    let quitting = false;
    const quit = async () => {
      if (quitting) return;
      quitting = true;
      lines.close();
      await node.close();
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
          node.connect(parsed.host, parsed.port, mode).catch((err: Error) => fail(err.message));
          return;
        }
        case 'send': {
          const peer = field('peer');
          if (peer === null) return;
          if (typeof command.text !== 'string') return fail('"send" needs the string field "text".');
          try {
            node.send(peer, command.text);
          } catch (err) {
            fail((err as Error).message);
          }
          return;
        }
        case 'disconnect': {
          const peer = field('peer');
          if (peer === null) return;
          node.disconnect(peer).catch((err: Error) => fail(err.message));
          return;
        }
        case 'peers':
          return emit({ event: 'peers', peers: node.peers().map(connectedEvent).map(({ event: _event, ...peer }) => peer) });
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
