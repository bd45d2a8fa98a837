import { Server as RelayServer } from 'blind-relay';
import HyperDHT from 'hyperdht';
import createTestnet from 'hyperdht/testnet.js';
import { onCleanUp } from './peers';

/** HyperDHT's own local testnet on 127.0.0.1 (three nodes); torn down by `cleanUp()`. Nothing leaves the machine. */
export async function localTestnet(): Promise<{ host: string; port: number }[]> {
  const testnet = await createTestnet(3, { host: '127.0.0.1' });
  onCleanUp(() => testnet.destroy());
  return testnet.bootstrap;
}

/**
 * A blind relay on the local testnet (a hyperdht node on 127.0.0.1 running blind-relay's server), as someone
 * would run one on the internet; its key in hex. Counts the streams it paired. Torn down by `cleanUp()`.
 */
export async function blindRelay(bootstrap: { host: string; port: number }[]): Promise<{ key: string; paired: () => number }> {
  const node = new HyperDHT({ bootstrap, host: '127.0.0.1', firewalled: false });
  const relay = new RelayServer({ createStream: (opts) => node.createRawStream({ ...opts, framed: true }) });
  let paired = 0;
  const server = node.createServer({}, (stream) => {
    stream.on('error', () => {});
    relay.accept(stream, { id: stream.remotePublicKey }).on('error', () => {}).on('pair', () => paired++);
  });
  const keyPair = HyperDHT.keyPair();
  await server.listen(keyPair);
  onCleanUp(async () => {
    await relay.close();
    await node.destroy();
  });
  return { key: keyPair.publicKey.toString('hex'), paired: () => paired };
}
