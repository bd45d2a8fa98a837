import { loadOrCreateIdentity } from '../core/identity';
import { PeerNode } from '../core/peer-node';
import { parseCliArgs, USAGE, UsageError } from './args';
import { runInteractive } from './interactive';
import { runJsonMode } from './json-mode';

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

  const identity = await loadOrCreateIdentity(options.dataDir);
  const node = new PeerNode({
    identity,
    name: options.name,
    appVersion: __PEERLINE_VERSION__,
    host: options.host,
    port: options.port,
    allowPlain: options.allowPlain,
  });
  await node.listen();

  const log = (line: string) => process.stderr.write(`peerline: ${line}\n`);
  const stop = () => void node.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  if (options.json) await runJsonMode(node, { input: process.stdin, output: process.stdout, log });
  else await runInteractive(node, { input: process.stdin, output: process.stdout, appVersion: __PEERLINE_VERSION__ });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`peerline: ${err.message}\n`);
    process.exit(1);
  },
);
