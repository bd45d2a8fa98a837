// Type declarations for the untyped packages the core uses, limited to the members it calls.

declare module 'sodium-native' {
  const sodium: {
    crypto_sign_keypair(publicKey: Buffer, secretKey: Buffer): void;
    crypto_generichash(out: Buffer, input: Buffer, key?: Buffer): void;
    randombytes_buf(out: Buffer): void;
    crypto_sign_detached(signature: Buffer, message: Buffer, secretKey: Buffer): void;
    crypto_sign_verify_detached(signature: Buffer, message: Buffer, publicKey: Buffer): boolean;
    readonly crypto_sign_PUBLICKEYBYTES: number;
    readonly crypto_sign_SECRETKEYBYTES: number;
  };
  export default sodium;
}

declare module '@hyperswarm/secret-stream' {
  import type { Duplex } from 'node:stream';
  import type { EventEmitter } from 'node:events';

  interface KeyPair {
    publicKey: Buffer;
    secretKey: Buffer;
  }

  /** What secret-stream needs of the stream beneath it: a Node-style duplex of bytes. */
  interface RawStream extends EventEmitter {
    write(data: Buffer): boolean;
    end(): void;
    pause(): void;
    resume(): void;
    destroy(err?: Error): void;
  }

  interface NoiseSecretStreamOptions {
    keyPair?: KeyPair;
    pattern?: string;
    remotePublicKey?: Buffer;
    keepAlive?: number;
    enableSend?: boolean;
  }

  /** A streamx Duplex; typed as Node's, whose surface it shares for what we use. */
  class NoiseSecretStream extends (EventEmitter as unknown as new () => Duplex) {
    constructor(isInitiator: boolean, rawStream: RawStream | null, opts?: NoiseSecretStreamOptions);
    readonly isInitiator: boolean;
    publicKey: Buffer | null;
    remotePublicKey: Buffer | null;
    handshakeHash: Buffer | null;
    readonly opened: Promise<boolean>;
    rawBytesRead: number;
    rawBytesWritten: number;
    static keyPair(seed?: Buffer): KeyPair;
  }
  export default NoiseSecretStream;
}

declare module 'hyperdht' {
  import type { EventEmitter } from 'node:events';
  import type NoiseSecretStream from '@hyperswarm/secret-stream';

  interface KeyPair {
    publicKey: Buffer;
    secretKey: Buffer;
  }
  interface HostPort {
    host: string;
    port: number;
  }
  /** hyperdht's secret stream: NoiseSecretStream over a UDX stream, once the DHT has run the Noise handshake. */
  type DhtStream = NoiseSecretStream & { rawStream: { remoteHost: string | null; remotePort: number } | null };
  type CreateSecretStream = (isInitiator: boolean, rawStream: unknown, opts: object) => DhtStream;

  interface ConnectOptions {
    keyPair?: KeyPair;
    createSecretStream?: CreateSecretStream;
    /** Called only when the connection has to be hole-punched; false aborts the punch. */
    holepunch?: (remoteFirewall: number, localFirewall: number, remoteAddresses: HostPort[], localAddresses: HostPort[]) => boolean;
    /** A blind relay's key: hyperdht pairs the two sides through it while (or instead of) punching. */
    relayThrough?: Buffer;
    /** false: do not try the other side's LAN addresses. */
    localConnection?: boolean;
  }
  interface ServerOptions {
    createSecretStream?: CreateSecretStream;
    relayThrough?: Buffer;
    /** false: never punch (the relay or a reachable dialer are the ways in). */
    holepunch?: false;
    /** false: do not offer our LAN addresses to dialers. */
    shareLocalAddress?: boolean;
  }
  class Server extends EventEmitter {
    listen(keyPair: KeyPair): Promise<void>;
    close(): Promise<void>;
    address(): (HostPort & { publicKey: Buffer }) | null;
  }
  class HyperDHT extends EventEmitter {
    constructor(opts?: { bootstrap?: string[] | HostPort[]; keyPair?: KeyPair; host?: string; port?: number; ephemeral?: boolean; firewalled?: boolean; quickFirewall?: boolean });
    readonly firewalled: boolean;
    readonly randomized: boolean;
    readonly host: string | null;
    readonly port: number;
    readonly destroyed: boolean;
    fullyBootstrapped(): Promise<void>;
    remoteAddress(): HostPort | null;
    createServer(opts: ServerOptions, onconnection: (stream: DhtStream) => void): Server;
    createRawStream(opts?: object): unknown;
    connect(publicKey: Buffer, opts?: ConnectOptions): DhtStream;
    destroy(opts?: { force?: boolean }): Promise<void>;
    static keyPair(seed?: Buffer): KeyPair;
  }
  export default HyperDHT;
  export type { DhtStream, HostPort, KeyPair };
}

declare module 'hyperdht/testnet.js' {
  import type HyperDHT from 'hyperdht';
  interface Testnet {
    nodes: HyperDHT[];
    bootstrap: { host: string; port: number }[];
    destroy(): Promise<void>;
  }
  export default function createTestnet(size?: number, opts?: { host?: string; port?: number }): Promise<Testnet>;
}

declare module 'blind-relay' {
  import type { DhtStream } from 'hyperdht';
  /** A blind relay: pairs two peers' streams by a shared token and forwards their (encrypted) packets unread. */
  export class Server {
    constructor(opts: { createStream: (opts: object) => unknown });
    accept(stream: DhtStream, opts: { id: Buffer | null }): import('node:events').EventEmitter;
    close(): Promise<void>;
  }
}
