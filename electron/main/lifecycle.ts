/**
 * App lifecycle pieces that do not need the Electron binary to be tested: the graceful quit (say `bye` to every
 * peer, bounded, then quit) and the command-line options main reads.
 */
import type { App } from 'electron';

export type QuitApp = Pick<App, 'on' | 'quit'>;

/**
 * Holds the first quit until `close()` settles (or `timeoutMs` passes: a peer that does not read must not keep
 * the app open), then quits for real. `close` is `AppService.close`, which says `bye` to every peer.
 */
export function installGracefulQuit(
  app: QuitApp,
  close: () => Promise<void>,
  options: { timeoutMs?: number; log?: (line: string) => void } = {},
): void {
  const timeoutMs = options.timeoutMs ?? 3000;
  const log = options.log ?? ((line: string) => console.warn(`peerline: ${line}`));
  let state: 'running' | 'closing' | 'closed' = 'running';
  app.on('before-quit', (event) => {
    if (state === 'closed') return;
    event.preventDefault();
    if (state === 'closing') return;
    state = 'closing';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log(`closing took longer than ${timeoutMs} ms; quitting anyway`);
        resolve();
      }, timeoutMs);
    });
    // Started right away; the executor turns a synchronous throw into a rejection.
    const closing = new Promise<void>((resolve) => resolve(close())).catch((err: unknown) => {
      log(`closing failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    void Promise.race([closing, deadline]).then(() => {
      clearTimeout(timer);
      state = 'closed';
      app.quit();
    });
  });
}

export interface MainOptions {
  /** The TCP port to listen on: `--peerline-port=N` or `PEERLINE_PORT`; absent means the saved setting. */
  readonly port?: number;
  /** `PEERLINE_DHT=off`: not reachable by key for this run, whatever the setting (tests, a machine kept off the DHT). */
  readonly dhtOff?: boolean;
  /** `PEERLINE_DISCOVERY=off`: this run takes no part in nearby discovery (no mDNS at all), whatever the settings say. */
  readonly noDiscovery?: true;
}

/** Reads main's own options from its command line and environment; a malformed value is an error, not ignored. */
export function parseMainOptions(argv: readonly string[], env: NodeJS.ProcessEnv): MainOptions {
  const dht = env.PEERLINE_DHT ?? '';
  if (dht !== '' && dht !== 'off' && dht !== 'on') throw new Error(`PEERLINE_DHT is "off" or "on", not ${JSON.stringify(dht)}.`);
  const dhtOff = dht === 'off' ? { dhtOff: true } : {};
  let raw: string | undefined = env.PEERLINE_PORT === '' ? undefined : env.PEERLINE_PORT;
  let from = 'PEERLINE_PORT';
  for (const arg of argv) {
    const match = /^--peerline-port=(.*)$/.exec(arg);
    if (match) {
      raw = match[1];
      from = '--peerline-port';
    }
  }
  const discovery = env.PEERLINE_DISCOVERY;
  if (discovery !== undefined && discovery !== '' && discovery !== 'off' && discovery !== 'on') {
    throw new Error(`PEERLINE_DISCOVERY is "on" or "off", not ${JSON.stringify(discovery)}.`);
  }
  const noDiscovery = discovery === 'off' ? { noDiscovery: true as const } : {};
  if (raw === undefined) return { ...dhtOff, ...noDiscovery };
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new Error(`${from} must be a port number from 0 to 65535, not ${JSON.stringify(raw)}.`);
  return { port, ...dhtOff, ...noDiscovery };
}
