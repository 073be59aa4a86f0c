import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secret values at rest. Each value gets a fresh 96-bit IV and is bound to the
 * secret's id (additional authenticated data), so a ciphertext copied onto another row does not
 * decrypt. `keyId` is a fingerprint of the key, stored beside each value, so a value sealed
 * under another key is reported as such instead of as corrupt data.
 */

export interface SealedValue {
  ciphertext: string;
  iv: string;
  authTag: string;
  keyId: string;
}

export const SECRET_KEY_BYTES = 32;

export class SecretKeyMismatchError extends Error {}

export class SecretCipher {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES) throw new Error(`A secret key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
    this.keyId = createHash('sha256').update('vigil secret key id\0').update(key).digest('hex').slice(0, 16);
  }

  seal(value: string, boundTo: string): SealedValue {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { ciphertext: ciphertext.toString('base64'), iv: iv.toString('base64'), authTag: cipher.getAuthTag().toString('base64'), keyId: this.keyId };
  }

  /** Throws (never echoing the value) when the key is not the one it was sealed under, or the data was altered. */
  open(sealed: SealedValue, boundTo: string): string {
    if (sealed.keyId !== this.keyId) {
      throw new SecretKeyMismatchError(`it was encrypted under key ${sealed.keyId}, but the key in use is ${this.keyId}`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.authTag, 'base64'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('its stored ciphertext failed authentication (altered or corrupt)');
    }
  }
}
