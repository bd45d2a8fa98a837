import type { Server } from 'node:net';
import os from 'node:os';
import { formatAddress } from '../../shared/address';
import { PORT_FALLBACK_ATTEMPTS } from '../../shared/protocol/limits';

/** Addresses others can dial a listener on `host:port` at: each interface's address when it listens on all of them. */
export function dialableAddresses(host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [formatAddress(host, port)];
  const wantV6 = host === '::';
  const found: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const entry of list ?? []) {
      if (entry.family === 'IPv4' || (wantV6 && entry.family === 'IPv6')) found.push(formatAddress(entry.address, port));
    }
  }
  return found;
}

/**
 * Binds `server` to `host:port`; when that port is taken, tries the next ones (8000 → 8019 by default).
 * Port 0 asks the system for any free port. Resolves with the port actually bound.
 */
export async function listenWithFallback(server: Server, host: string, port: number): Promise<number> {
  const lastPort = port === 0 ? 0 : Math.min(65535, port + PORT_FALLBACK_ATTEMPTS);
  for (let candidate = port; ; candidate++) {
    try {
      await listenOnce(server, host, candidate);
      const address = server.address();
      return typeof address === 'object' && address ? address.port : candidate;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' || candidate >= lastPort) {
        const range = lastPort > port ? `ports ${port}–${lastPort} are` : `port ${port} is`;
        if (code === 'EADDRINUSE') throw new Error(`Cannot listen on ${host}: ${range} already in use.`);
        throw new Error(`Cannot listen on ${host}:${candidate}: ${(err as Error).message}`);
      }
    }
  }
}

function listenOnce(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}
