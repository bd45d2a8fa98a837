import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppService } from '../core/app-service';
import { BonjourTransport } from '../core/features/discovery/bonjour-transport';
import { parseCliArgs, USAGE, UsageError } from './args';
import { runInteractive } from './interactive';
import { runJsonMode } from './json-mode';
import { startUiServer } from './ui-server';

/** The built renderer, next to this bundle: out/cli/peerline.js → out/renderer/. */
const RENDERER_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'renderer');

async function main(argv: string[]): Promise<number> {
  // Whoever reads our output went away (`| head`, a bot that exited): there is nobody left to chat for.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  let options;
  try {
    options = parseCliArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`peerline: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }

  // Everything Peerline writes (the store's files, the identity) is for this user alone: 0600 files, 0700 folders.
  if (process.platform !== 'win32') process.umask(0o077);
  const log = (line: string) => process.stderr.write(`peerline: ${line}\n`);
  // History, contacts and waiting messages live in the data directory's store, as in the app.
  const service = await AppService.open({
    dataDir: options.dataDir,
    appVersion: __PEERLINE_VERSION__,
    host: options.host,
    port: options.port,
    name: options.name,
    allowPlain: options.allowPlain,
    requests: { acceptStrangers: options.acceptStrangers },
    // The command line is reachable by key only when asked (--dht), whatever the app's setting says.
    reachableByKey: options.dht,
    dhtBootstrap: options.dhtBootstrap,
    // Off unless --discover for this run; the person may still turn it on in the --ui settings.
    discovery: { transport: new BonjourTransport({ log }), override: options.discover },
    files: { downloadDir: options.downloadDir, autoAcceptBytes: options.autoAcceptBytes },
    groupLinks: options.groupLinks,
    dhtRelay: options.dhtRelay,
  });
  const ui = options.ui ? await startUiServer(service, { port: options.uiPort, staticDir: RENDERER_DIR, uploadDir: path.join(options.dataDir, 'uploads') }) : null;

  const stop = () => void service.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const io = { input: process.stdin, output: process.stdout, uiUrl: ui?.url };
  if (options.json) await runJsonMode(service, { ...io, log });
  else await runInteractive(service, { ...io, appVersion: __PEERLINE_VERSION__ });
  await service.close();
  await ui?.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`peerline: ${err.message}\n`);
    process.exit(1);
  },
);
