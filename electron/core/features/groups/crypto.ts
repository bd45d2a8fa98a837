/** The group engine's crypto from sodium-native: ed25519 signatures by the identity key, BLAKE2b-256 hashes. */
import sodium from 'sodium-native';
import { HASH_BYTES, SIGNATURE_BYTES, type GroupCrypto, type GroupSigner } from './engine/envelope';

export const sodiumGroupCrypto: GroupCrypto = {
  verify(signature, message, publicKey) {
    if (signature.length !== SIGNATURE_BYTES || publicKey.length !== sodium.crypto_sign_PUBLICKEYBYTES) return false;
    return sodium.crypto_sign_verify_detached(Buffer.from(signature.buffer, signature.byteOffset, signature.length), Buffer.from(message.buffer, message.byteOffset, message.length), Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length));
  },
  hash(bytes) {
    const out = Buffer.alloc(HASH_BYTES);
    sodium.crypto_generichash(out, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    return out;
  },
};

/** Signs as the holder of `secretKey` (an ed25519 secret key, as in identity.ts). */
export function sodiumSigner(publicKey: Uint8Array, secretKey: Uint8Array): GroupSigner {
  const secret = Buffer.from(secretKey);
  return {
    publicKey: Buffer.from(publicKey),
    sign(message) {
      const signature = Buffer.alloc(SIGNATURE_BYTES);
      sodium.crypto_sign_detached(signature, Buffer.from(message.buffer, message.byteOffset, message.length), secret);
      return signature;
    },
  };
}

/** A fresh key pair's signer: for tests and tools. */
export function newSigner(): GroupSigner & { secretKey: Uint8Array } {
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_keypair(publicKey, secretKey);
  return { ...sodiumSigner(publicKey, secretKey), secretKey };
}
