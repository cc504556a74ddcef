/**
 * Field encryption for the one unredacted value the store may hold (a turn's `rawText`), and the caller key
 * that sessions carry instead of the caller's number.
 *
 * Encrypted fields are AES-256-GCM with a random 96-bit IV per value and the record's identity as additional
 * authenticated data, so a ciphertext copied onto another record does not decrypt. Layout of the stored bytes:
 * `version (1 byte = 1) | iv (12) | tag (16) | ciphertext`. The key is the caller's (32 bytes) and never stored.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** Checks that `key` is 32 bytes and returns it as a Buffer. */
export function toFieldKey(key: Uint8Array): Buffer {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new Error(`store crypto: the raw-text key must be 32 bytes (AES-256), got ${key instanceof Uint8Array ? `${key.length} bytes` : typeof key}`);
  }
  return Buffer.from(key);
}

export function encryptField(plaintext: string, key: Uint8Array, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', toFieldKey(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** Throws when the bytes were altered, the key is another one, or `aad` is not the one they were sealed with. */
export function decryptField(sealed: Uint8Array, key: Uint8Array, aad: string): string {
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (buf.length < HEADER_BYTES || buf[0] !== VERSION) throw new Error('store crypto: not an encrypted field (bad length or version)');
  const iv = buf.subarray(1, 1 + IV_BYTES);
  const tag = buf.subarray(1 + IV_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', toFieldKey(key), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(buf.subarray(HEADER_BYTES)), decipher.final()]).toString('utf8');
}

/** Like decryptField, but undefined instead of an error (a rotated key must not make history unreadable). */
export function tryDecryptField(sealed: Uint8Array, key: Uint8Array, aad: string): string | undefined {
  try {
    return decryptField(sealed, key, aad);
  } catch {
    return undefined;
  }
}

/** The additional authenticated data of a turn's raw text: the turn's identity. */
export function rawTextAad(sessionId: string, seq: number): string {
  return `turn:${sessionId}:${seq}`;
}

/**
 * The caller key stored on sessions: HMAC-SHA256 (hex) of the caller's number reduced to its digits (a leading
 * `+` and any punctuation dropped), so `+1 (555) 010-7788` and `15550107788` give the same key. Without the HMAC
 * key the number cannot be recovered by hashing every possible number.
 */
export function deriveCallerKey(callerNumber: string, hmacKey: Uint8Array | string): string {
  const digits = callerNumber.replace(/\D+/g, '');
  if (!digits) throw new Error('store crypto: the caller number has no digits');
  if (typeof hmacKey === 'string' ? hmacKey.length === 0 : hmacKey.length === 0) throw new Error('store crypto: deriveCallerKey needs a non-empty HMAC key');
  return createHmac('sha256', hmacKey).update(`caller:${digits}`).digest('hex');
}
