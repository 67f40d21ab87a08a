/**
 * One file of a share link as compact JWE (SMART Health Links "Encrypting and decrypting files"):
 * `alg: dir`, `enc: A256GCM`, `cty` the file's content type. jose draws a fresh 96-bit IV for every
 * encryption, so the same file encrypted twice never repeats an IV under the link's key.
 */
import { CompactEncrypt } from 'jose';

export async function encryptShareFile(key: Uint8Array, file: { readonly contentType: string; readonly body: string | Buffer }): Promise<string> {
  const plaintext = typeof file.body === 'string' ? new TextEncoder().encode(file.body) : new Uint8Array(file.body);
  return new CompactEncrypt(plaintext).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: file.contentType }).encrypt(key);
}
