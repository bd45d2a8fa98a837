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
