import os from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_LISTEN_HOST, DEFAULT_PORT } from '../../shared/protocol/limits';
import { defaultDataDir } from '../core/data-dir';

export interface CliOptions {
  host: string;
  port: number;
  name: string;
  dataDir: string;
  allowPlain: boolean;
  json: boolean;
}

export const USAGE = `Usage: peerline [options]

A Peerline peer in the terminal: it listens for peers and dials them, end-to-end encrypted.

Options:
  --host HOST       address to listen on (default ${DEFAULT_LISTEN_HOST})
  --port N          port to listen on (default ${DEFAULT_PORT}; the next free one up to ${DEFAULT_PORT + 19} if taken; 0 = any)
  --name NAME       display name shown to peers (default: your user name)
  --data-dir DIR    where the identity lives (default: ${defaultDataDir()})
  --no-plain        refuse plain-text (unencrypted) peers
  --json            newline-delimited JSON on stdin/stdout, for scripts and bots
  --help            show this help

Interactive commands:
  /connect HOST:PORT   dial a Peerline peer (encrypted)
  /plain HOST:PORT     dial a plain-text peer (netcat, a socket script; unencrypted)
  /peers               list connected peers
  /to N                talk to peer N of /peers
  /quit                say goodbye to everyone and exit
  anything else        is sent to the current peer
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses the command line; throws UsageError with a sentence for anything it cannot use. */
export function parseCliArgs(argv: string[]): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        name: { type: 'string' },
        'data-dir': { type: 'string' },
        'no-plain': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  // Decimal digits only: Number() would read "" and " " as 0 (any port), and accept "0x50" or "1e3".
  const port = values.port === undefined ? DEFAULT_PORT : /^[0-9]{1,5}$/.test(values.port) ? Number(values.port) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}".`);
  const name = (values.name ?? os.userInfo().username ?? 'peer').trim();
  if (!name) throw new UsageError('--name cannot be empty.');
  return {
    host: values.host ?? DEFAULT_LISTEN_HOST,
    port,
    name,
    dataDir: values['data-dir'] ?? defaultDataDir(),
    allowPlain: !values['no-plain'],
    json: values.json ?? false,
  };
}
