/**
 * Name-based UUIDs (RFC 9562 §5.5, version 5, SHA-1) for CDA instance identifiers. An entry's id is derived
 * from the FHIR resource it comes from, so the same allergy carries the same id in every document the portal
 * writes, and a receiver can reconcile repeated downloads. HL7 V3 writes UUIDs in upper case (Data Types R1, II.root).
 */
import { createHash } from 'node:crypto';

/** This project's namespace for name-based ids (a fixed random UUID). */
const namespace = Buffer.from('6b1d4c0e9a7f4f2e8c35d2a1f0b7e934', 'hex');

export function nameUuid(name: string): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const isUuid = (value: string): boolean => uuidPattern.test(value);
