import createTestnet from 'hyperdht/testnet.js';
import { onCleanUp } from './peers';

/** HyperDHT's own local testnet on 127.0.0.1 (three nodes); torn down by `cleanUp()`. Nothing leaves the machine. */
export async function localTestnet(): Promise<{ host: string; port: number }[]> {
  const testnet = await createTestnet(3, { host: '127.0.0.1' });
  onCleanUp(() => testnet.destroy());
  return testnet.bootstrap;
}
