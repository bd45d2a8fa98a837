import { spawn, spawnSync } from 'node:child_process';
import { onCleanUp } from './peers';

/**
 * A network namespace made for one test (`unshare -n`), so multicast never reaches the host's real network:
 * loopback up, and a veth pair (`pl0` 10.77.0.1, `pl1` 10.77.0.2) so the discovery's interface filter runs as
 * in production (it skips loopback). Processes enter it with `wrap` (`nsenter -t PID -n`).
 */
export interface TestNamespace {
  wrap: string[];
}

const SETUP = [
  'ip link set lo up',
  'ip link add pl0 type veth peer name pl1',
  'ip addr add 10.77.0.1/24 dev pl0',
  'ip addr add 10.77.0.2/24 dev pl1',
  'ip link set pl0 up',
  'ip link set pl1 up',
  'ip route add 224.0.0.0/4 dev pl0',
].join(' && ');

/** Why this machine cannot make a namespace, or null when it can (tried once, with a throwaway one). */
export function namespaceUnavailable(): string | null {
  for (const tool of ['unshare', 'nsenter', 'ip']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', SETUP], { encoding: 'utf8' });
  if (probe.status !== 0) return `unshare -n with a veth pair failed: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}`;
  return null;
}

/** Makes the namespace, held open by a sleeping process that `cleanUp()` ends. */
export async function makeNamespace(): Promise<TestNamespace> {
  const holder = spawn('unshare', ['-n', 'sh', '-c', `${SETUP} && echo ready && exec sleep 600`], { stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanUp(() => {
    holder.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    holder.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    holder.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    holder.once('exit', (code) => reject(new Error(`the namespace could not be made (exit ${code}): ${err}`)));
  });
  return { wrap: ['nsenter', '-t', String(holder.pid), '-n'] };
}
