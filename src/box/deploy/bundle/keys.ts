/** Ed25519 keys of the update network: the hub's admin signs bundles, every box holds the public key. */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { BundleError, SIGNATURE_DOMAIN } from './format.ts';

export function generateSigningKeys(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Short, stable id of a public key: the first 16 hex digits of the sha256 of its DER form. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function loadPrivateKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new BundleError(`not a PEM private key (the .key file from bundle-keygen, not the .pub): ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new BundleError(`the signing key must be Ed25519, not ${key.asymmetricKeyType}`);
  return key;
}

export function loadPublicKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new BundleError(`not a public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new BundleError(`the network key must be Ed25519, not ${key.asymmetricKeyType}`);
  return key;
}

export function signManifest(manifest: Buffer, key: KeyObject): Buffer {
  return sign(null, Buffer.concat([SIGNATURE_DOMAIN, manifest]), key);
}

export function verifyManifest(manifest: Buffer, signature: Buffer, key: KeyObject): boolean {
  return signature.length === 64 && verify(null, Buffer.concat([SIGNATURE_DOMAIN, manifest]), key, signature);
}
