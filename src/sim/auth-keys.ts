/**
 * The simulator's app key pair: an ECDSA P-256 key whose private scalar is
 * handed out as the `appSecret` (base64 of the 32-byte big-endian scalar, the
 * format of the Settrade developer console), and login signature checks.
 */
import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';

/** A generated app key pair. */
export interface AppKeys {
  /** base64 (standard, padded) of the 32-byte big-endian private scalar. */
  readonly appSecret: string;
  /** Public key used to verify login signatures. */
  readonly publicKey: KeyObject;
}

/** Generates a fresh P-256 key pair. */
export function generateAppKeys(): AppKeys {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.d === undefined) throw new Error('EC key export lacks the private scalar');
  const scalar = Buffer.from(jwk.d, 'base64url');
  return { appSecret: scalar.toString('base64'), publicKey: createPublicKey(privateKey) };
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/**
 * Verifies a login signature: hex of a DER ECDSA signature over SHA-256 of
 * `${apiKey}.${params}.${timestamp}`. Returns false on any malformed input.
 */
export function verifyLoginSignature(
  publicKey: KeyObject,
  apiKey: string,
  params: string,
  timestamp: string,
  signatureHex: string,
): boolean {
  if (!HEX.test(signatureHex) || signatureHex.length > 400) return false;
  try {
    return verify(
      'sha256',
      Buffer.from(`${apiKey}.${params}.${timestamp}`, 'utf8'),
      { key: publicKey, dsaEncoding: 'der' },
      Buffer.from(signatureHex, 'hex'),
    );
  } catch {
    return false;
  }
}
