import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parsePeerAddress } from '../../shared/address';
import type { ConnectionMode } from '../core/connection';
import type { AppService } from '../core/app-service';
import type { PeerInfo } from '../core/peer-node';
import { USAGE } from './args';
import { terminalSafe } from './terminal';

/**
 * The interactive terminal chat: the grown-up form of the classic socket example. Lines starting with `/` are
 * commands; any other line goes to the current peer. Peer text is made terminal-safe before it is printed.
 */
export function runInteractive(service: AppService, io: { input: Readable; output: Writable; appVersion: string; uiUrl?: string }): Promise<void> {
  const node = service.node;
  const rl = readline.createInterface({ input: io.input, output: io.output, prompt: '> ' });
  const names = new Map<string, string>();
  let current: string | null = null;

  const onTerminal = (io.output as { isTTY?: boolean }).isTTY === true;
  const print = (line: string) => {
    // On a terminal, print above the line being typed; into a pipe, just print.
    if (onTerminal) {
      readline.clearLine(io.output, 0);
      readline.cursorTo(io.output, 0);
    }
    io.output.write(line + '\n');
    rl.prompt(true);
  };
  const label = (peer: string) => names.get(peer) ?? peer;
  const describe = (info: PeerInfo) =>
    info.mode === 'secure'
      ? `${terminalSafe(info.name ?? '?')} at ${info.address} (encrypted, fingerprint ${info.fingerprint})`
      : `${info.address} (plain text, UNENCRYPTED)`;

  service.sessions.on('connected', (info) => {
    names.set(info.peer, info.mode === 'secure' ? terminalSafe(info.name ?? info.peer.slice(0, 8)) : info.peer);
    print(`* connected: ${describe(info)}`);
    if (current === null) {
      current = info.peer;
      print(`* talking to ${label(info.peer)}`);
    }
  });
  service.sessions.on('disconnected', ({ peer, reason }) => {
    print(`* ${label(peer)} disconnected: ${reason}`);
    if (current === peer) current = null;
  });
  service.subscribe((event, payload) => {
    if (event !== 'message:received') return;
    const { peer, text, kind } = payload as { peer: string; text: string; kind: string };
    print(kind === 'notice' ? `* ${terminalSafe(text)}` : `[${label(peer)}] ${terminalSafe(text)}`);
  });
  node.on('log', (line) => print(`* ${line}`));

  io.output.write(`Peerline ${io.appVersion}, listening on ${node.listeningHost}:${node.port}\n`);
  const addresses = node.dialableAddresses();
  if (addresses.length > 0) io.output.write(`  others can dial: ${addresses.join(', ')}\n`);
  io.output.write(`  your fingerprint: ${node.identity.fingerprint}\n`);
  if (io.uiUrl) io.output.write(`  the Peerline window, for this machine only: ${io.uiUrl}\n`);
  io.output.write('Type /help for commands.\n');
  rl.prompt();

  const connect = (argument: string, mode: ConnectionMode) => {
    const parsed = parsePeerAddress(argument);
    if (!parsed.ok) return print(`! ${parsed.error}`);
    print(`* connecting to ${argument.trim()}…`);
    node.connect(parsed.host, parsed.port, mode).catch((err: Error) => print(`! ${err.message}`));
  };

  const command = (line: string): boolean => {
    const [word, ...rest] = line.split(/\s+/);
    const argument = rest.join(' ');
    switch (word) {
      case '/connect':
        connect(argument, 'secure');
        return true;
      case '/plain':
        connect(argument, 'plain');
        return true;
      case '/peers': {
        const peers = node.peers();
        if (peers.length === 0) print('* no peers connected');
        peers.forEach((info, index) => print(`  ${index + 1}. ${describe(info)}${info.peer === current ? '  <- current' : ''}`));
        return true;
      }
      case '/to': {
        const peers = node.peers();
        const chosen = peers[Number(argument) - 1];
        if (!chosen) print(`! There is no peer ${argument || '(none given)'}; /peers lists them.`);
        else {
          current = chosen.peer;
          print(`* talking to ${label(chosen.peer)}`);
        }
        return true;
      }
      case '/help':
        print(USAGE.slice(USAGE.indexOf('Interactive commands:')).trimEnd());
        return true;
      case '/quit':
        rl.close();
        return true;
      default:
        print(`! Unknown command ${word}; /help lists them.`);
        return true;
    }
  };

  rl.on('line', (line) => {
    const text = line.trim();
    if (text.startsWith('/')) command(text);
    else if (text.length > 0) {
      if (current === null) print('! Nobody to talk to yet: /connect HOST:PORT first.');
      else {
        service.handlers['message:send']({ peer: service.peerOf(current), text: line }).catch((err: Error) => print(`! ${err.message}`));
      }
    }
    rl.prompt();
  });

  return new Promise((resolve) => {
    rl.on('close', () => {
      io.output.write('\nSaying goodbye…\n');
      void service.close().then(resolve);
    });
  });
}
