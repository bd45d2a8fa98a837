import { parseArgs } from 'node:util';
import { DEFAULT_LISTEN_HOST, DEFAULT_PORT } from '../../shared/protocol/limits';
import { defaultDataDir } from '../core/data-dir';
import { parsePeerAddress } from '../../shared/address';

export interface CliOptions {
  host: string;
  port: number;
  /** Absent: the stored name (with --ui) or the user name. */
  name?: string;
  dataDir: string;
  allowPlain: boolean;
  /** A bot that talks to anyone: strangers are accepted with their first message (the budgets still hold). */
  acceptStrangers: boolean;
  json: boolean;
  /** Serve the UI to a local browser; the port of that web server (0 = any). */
  ui: boolean;
  uiPort: number;
  /** Reachable over the internet by key (the DHT): off unless `--dht`. */
  dht: boolean;
  /** `--dht-bootstrap`: the DHT's bootstrap nodes; absent: HyperDHT's public ones. */
  dhtBootstrap?: { host: string; port: number }[];
  /** Announce this peer on the local network and list the ones nearby (mDNS); off unless asked for. */
  discover: boolean;
  /** Where received files go (absent: the system's Downloads folder, `Peerline` inside it). */
  downloadDir?: string;
  /** Accept file offers from contacts up to this many bytes without asking (absent: always ask). */
  autoAcceptBytes?: number;
  /** `--group-links N`: sessions to a group's members kept by dialing from their records; absent: the default. */
  groupLinks?: number;
  /** `--dht-relay KEY` (and `--dht-relay-only`): a blind relay for this run; absent: the stored one, if any. */
  dhtRelay?: { key: Buffer; only: boolean };
}

/** The most sessions `--group-links` may ask to keep per group (a group has at most 50 members). */
const MAX_GROUP_LINKS = 49;

/** Bootstrap nodes one `--dht-bootstrap` may list. */
const MAX_BOOTSTRAP_NODES = 16;

export const USAGE = `Usage: peerline [options]

A Peerline peer in the terminal: it listens for peers and dials them, end-to-end encrypted.

Options:
  --host HOST       address to listen on (default ${DEFAULT_LISTEN_HOST})
  --port N          port to listen on (default ${DEFAULT_PORT}; the next free one up to ${DEFAULT_PORT + 19} if taken; 0 = any)
  --name NAME       display name shown to peers (default: the name chosen in the window, else your user name)
  --data-dir DIR    where the identity, history and contacts live (default: ${defaultDataDir()})
  --no-plain        refuse plain-text (unencrypted) peers
  --accept-strangers  accept message requests at once (a bot that talks to anyone; rate budgets still apply)
  --discover        let nearby devices see you and look for them (mDNS on the local network; off unless given)
  --json            newline-delimited JSON on stdin/stdout, for scripts and bots
  --ui              also serve the Peerline window to a browser on this machine (prints its address)
  --ui-port N       port of that local web page (default: any free port)
  --dht             be reachable over the internet by your key (HyperDHT); anyone who knows your key can
                    then learn your IP address. Off unless given
  --no-dht          not reachable by key (the default)
  --dht-bootstrap HOST:PORT,...  the DHT's bootstrap nodes (default: HyperDHT's public ones)
  --download-dir DIR  where received files go (default: your Downloads folder, in Peerline)
  --auto-accept BYTES accept file offers from contacts up to BYTES in all without asking (default: always ask)
  --group-links N   keep sessions to N members of each group, dialing them from their signed records
                    (default 3; 0: only the sessions you open)
  --dht-relay KEY   a blind relay (its hyperdht key, 64 hex digits) that carries DHT sessions when no hole
                    can be punched (default: the one set in the app, else none)
  --dht-relay-only  with --dht-relay: never punch, and never tell the DHT we are reachable, so DHT sessions
                    go through the relay (unless the other side is reachable itself)
  --help            show this help

Interactive commands:
  /connect HOST:PORT   dial a Peerline peer (encrypted)
  /connect KEY|LINK    dial a peer by its key or its peerline: link (over the DHT, with --dht)
  /connect             dial the current contact now, not at its next retry
  /plain HOST:PORT     dial a plain-text peer (netcat, a socket script; unencrypted)
  /contacts            your contacts, numbered: online or not, verified, messages waiting
  /to N | NAME         talk to contact N of /contacts, or the one whose name starts with NAME
  /history [N]         the last N messages with the current contact (default 20)
  /verify [yes|no]     the safety number to compare with the current contact; yes: they matched
  /approve             accept the current contact's changed key (messages to it wait until then)
  /send-held           send what was held since the current contact's key changed to its new key
  /nearby              Peerlines heard on the local network (with --discover), numbered
  /nearby N            connect to nearby peer N (its key must match what it announced)
  /requests            message requests (peers you have not accepted), numbered
  /accept N            accept request N (also /decline N, /block N); replying to a request accepts it
  /groups              your groups, their members and admins
  /group new NAME M…   a group named NAME with contacts M… (numbers or names); it becomes current
  /group add|remove M  add or remove a member of the current group (admins only)
  /group promote M     make a member of the current group an admin (admins only)
  /group rename NAME   rename the current group (admins only)
  /group status        who of the current group is online or when last seen, who lacks your last message, gaps
  /group leave         leave the current group
  /to GROUP            write to the group named GROUP
  /send PATH           send a file or a folder to the current contact (now, or when it is back)
  /accept, /decline    answer the newest file offer
  /transfers           file transfers, numbered, with progress; /pause N, /resume N, /cancel N
  /peers               list connected peers
  /doctor              your connectivity: addresses, port, the DHT's view of you, your invite link
  /quit                say goodbye to everyone and exit
  anything else        goes to the current contact (or group); if it is offline, when it is back
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
        'accept-strangers': { type: 'boolean' },
        discover: { type: 'boolean' },
        json: { type: 'boolean' },
        ui: { type: 'boolean' },
        'ui-port': { type: 'string' },
        dht: { type: 'boolean' },
        'no-dht': { type: 'boolean' },
        'dht-bootstrap': { type: 'string' },
        'download-dir': { type: 'string' },
        'auto-accept': { type: 'string' },
        'group-links': { type: 'string' },
        'dht-relay': { type: 'string' },
        'dht-relay-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const port = parsePort('--port', values.port, DEFAULT_PORT);
  const uiPort = parsePort('--ui-port', values['ui-port'], 0);
  const name = values.name?.trim();
  if (name === '') throw new UsageError('--name cannot be empty.');
  if (values.dht && values['no-dht']) throw new UsageError('Give --dht or --no-dht, not both.');
  const dhtBootstrap = values['dht-bootstrap'] === undefined ? undefined : parseBootstrap(values['dht-bootstrap']);
  const autoAccept = values['auto-accept'];
  if (autoAccept !== undefined && !(/^[0-9]{1,16}$/.test(autoAccept) && Number.isSafeInteger(Number(autoAccept)))) throw new UsageError(`--auto-accept takes a number of bytes, not "${autoAccept}".`);
  if (values['download-dir'] === '') throw new UsageError('--download-dir cannot be empty.');
  const groupLinks = values['group-links'];
  if (groupLinks !== undefined && !(/^[0-9]{1,2}$/.test(groupLinks) && Number(groupLinks) <= MAX_GROUP_LINKS)) {
    throw new UsageError(`--group-links must be a number from 0 to ${MAX_GROUP_LINKS}, not "${groupLinks}".`);
  }
  const dhtRelay = parseRelay(values['dht-relay'], values['dht-relay-only'] ?? false);
  return {
    host: values.host ?? DEFAULT_LISTEN_HOST,
    port,
    name,
    dataDir: values['data-dir'] ?? defaultDataDir(),
    allowPlain: !values['no-plain'],
    acceptStrangers: values['accept-strangers'] ?? false,
    json: values.json ?? false,
    ui: values.ui ?? false,
    uiPort,
    dht: values.dht ?? false,
    ...(dhtBootstrap && { dhtBootstrap }),
    discover: values.discover ?? false,
    ...(values['download-dir'] !== undefined && { downloadDir: values['download-dir'] }),
    ...(autoAccept !== undefined && { autoAcceptBytes: Number(autoAccept) }),
    ...(groupLinks !== undefined && { groupLinks: Number(groupLinks) }),
    ...(dhtRelay && { dhtRelay }),
  };
}

function parseRelay(key: string | undefined, only: boolean): CliOptions['dhtRelay'] {
  if (key === undefined) {
    if (only) throw new UsageError('--dht-relay-only needs --dht-relay KEY: the relay to go through.');
    return undefined;
  }
  if (!/^[0-9a-fA-F]{64}$/.test(key)) throw new UsageError(`--dht-relay needs the relay's key, 64 hex digits (got "${key.slice(0, 80)}").`);
  return { key: Buffer.from(key, 'hex'), only };
}

function parseBootstrap(list: string): { host: string; port: number }[] {
  const entries = list.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) throw new UsageError('--dht-bootstrap needs HOST:PORT nodes, separated by commas.');
  if (entries.length > MAX_BOOTSTRAP_NODES) throw new UsageError(`--dht-bootstrap takes at most ${MAX_BOOTSTRAP_NODES} nodes.`);
  return entries.map((entry) => {
    // A node needs its port: there is no default DHT port to fall back on.
    const parsed = parsePeerAddress(entry, 0);
    if (!parsed.ok) throw new UsageError(`--dht-bootstrap: ${parsed.error}`);
    if (parsed.port === 0) throw new UsageError(`--dht-bootstrap: "${entry}" needs a port, like 127.0.0.1:49737.`);
    return { host: parsed.host, port: parsed.port };
  });
}

function parsePort(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  // Decimal digits only: Number() would read "" and " " as 0 (any port), and accept "0x50" or "1e3".
  const port = /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port > 65535) throw new UsageError(`${flag} must be a number from 0 to 65535, not "${value}".`);
  return port;
}
