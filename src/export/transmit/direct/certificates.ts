/**
 * Whose certificate a Direct message is encrypted to, and with what the practice signs it.
 *
 * Recipients' certificates come from a directory the practice (or its HISP) keeps up to date
 * (DIRECT_CERTS_DIR) and are trusted only through the anchors in DIRECT_TRUST_ANCHORS: the Direct
 * Applicability Statement (§4) leaves discovery to the HISP (DNS CERT, LDAP) but requires that a
 * certificate chain to an anchor the sender trusts, be within its validity, and belong to the address.
 * A certificate is bound to the address either exactly (SAN rfc822Name, "address-bound") or to its
 * whole domain (SAN dNSName, "domain-bound"); the exact one wins (Direct Certificate Discovery, §3).
 *
 * node:crypto parses and verifies the chain (it knows every signature algorithm); node-forge reads the
 * extensions node:crypto does not expose (key usage bits, SAN entries). Certificates without an RSA
 * key are skipped: CMS key transport here is RSA.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

/** A recipient certificate, with what the lookup needs already read from it. */
export interface StoredCertificate {
  readonly certificatePem: string;
  readonly x509: X509Certificate;
  /** SAN rfc822Name entries, then the subject emailAddress when there is no SAN email; lower case. */
  readonly emails: readonly string[];
  /** SAN dNSName entries, lower case. */
  readonly domains: readonly string[];
  /** A CA certificate found in the directory can only be an intermediate, never a recipient. */
  readonly isCa: boolean;
  /** Key usage allows key encipherment and extended key usage (if any) allows email protection (RFC 8550 §4.4). */
  readonly canEncipher: boolean;
}

export interface DirectCertificateStore {
  readonly certificates: readonly StoredCertificate[];
  readonly anchors: readonly X509Certificate[];
  /** Files in the directory that hold no usable certificate (named for the operator, never fatal). */
  readonly skipped: readonly string[];
}

export type RecipientCertificateResult =
  | { readonly ok: true; readonly certificatePem: string }
  | { readonly ok: false; readonly reason: 'no_certificate' | 'untrusted' | 'expired' };

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM text, or the one DER certificate a binary file holds. */
export function parseCertificates(bytes: Buffer): X509Certificate[] {
  const text = bytes.toString('latin1');
  const blocks = text.match(pemBlock);
  if (blocks) return blocks.map((block) => new X509Certificate(block));
  return [new X509Certificate(bytes)];
}

/** Reads the recipients' directory (PEM or DER files, any names) and the trust anchor bundle; throws when no anchor loads. */
export function loadDirectCertificateStore(options: { readonly certsDir: string; readonly trustAnchorsPath: string }): DirectCertificateStore {
  const anchors = parseCertificates(readFileSync(options.trustAnchorsPath));
  if (anchors.length === 0) throw new Error('the trust anchor bundle holds no certificate');
  const certificates: StoredCertificate[] = [];
  const skipped: string[] = [];
  for (const name of readdirSync(options.certsDir).sort()) {
    const path = join(options.certsDir, name);
    if (!statSync(path).isFile()) continue;
    let parsed: X509Certificate[];
    try {
      parsed = parseCertificates(readFileSync(path));
    } catch {
      skipped.push(name);
      continue;
    }
    const described = parsed.map(describe).filter((c): c is StoredCertificate => c !== undefined);
    if (described.length === 0) skipped.push(name);
    certificates.push(...described);
  }
  return { certificates, anchors, skipped };
}

function describe(x509: X509Certificate): StoredCertificate | undefined {
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(x509.toString());
  } catch {
    return undefined; // not an RSA key: no key transport to it
  }
  const san = cert.getExtension('subjectAltName') as { altNames?: { type: number; value: string }[] } | undefined;
  const altNames = san?.altNames ?? [];
  const sanEmails = altNames.filter((n) => n.type === 1).map((n) => n.value.toLowerCase());
  const subjectEmail = cert.subject.getField({ name: 'emailAddress' }) as { value: string } | null;
  const emails = sanEmails.length > 0 ? sanEmails : subjectEmail ? [String(subjectEmail.value).toLowerCase()] : [];
  const domains = altNames.filter((n) => n.type === 2).map((n) => n.value.toLowerCase());
  const keyUsage = cert.getExtension('keyUsage') as { keyEncipherment?: boolean } | undefined;
  const extKeyUsage = cert.getExtension('extKeyUsage') as Record<string, unknown> | undefined;
  // RFC 5280 §4.2.1.3/§4.2.1.12: an absent extension does not restrict the key.
  const canEncipher = (!keyUsage || keyUsage.keyEncipherment === true) && (!extKeyUsage || extKeyUsage['emailProtection'] === true || extKeyUsage['2.5.29.37.0'] === true);
  return { certificatePem: x509.toString(), x509, emails, domains, isCa: x509.ca, canEncipher };
}

const withinValidity = (cert: X509Certificate, now: Date) => new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
const issued = (child: X509Certificate, issuer: X509Certificate) => child.checkIssued(issuer) && child.verify(issuer.publicKey);

/** Why a candidate cannot be used: its chain does not reach an anchor, or a link is outside its validity. */
function chainProblem(store: DirectCertificateStore, leaf: X509Certificate, now: Date): 'untrusted' | 'expired' | undefined {
  let current = leaf;
  let expired = !withinValidity(leaf, now);
  const seen = new Set<string>([leaf.fingerprint256]);
  // Depth is bounded by the intermediates on hand; `seen` stops a loop of cross-signed CAs.
  for (;;) {
    const anchor = store.anchors.find((a) => issued(current, a));
    if (anchor) return expired || !withinValidity(anchor, now) ? 'expired' : undefined;
    const intermediate = store.certificates.find((c) => c.isCa && !seen.has(c.x509.fingerprint256) && issued(current, c.x509));
    if (!intermediate) return 'untrusted';
    seen.add(intermediate.x509.fingerprint256);
    expired ||= !withinValidity(intermediate.x509, now);
    current = intermediate.x509;
  }
}

/**
 * The certificate to encrypt to for `address`: address-bound before domain-bound, chained to an
 * anchor, valid `now`, allowed to encipher keys. When none qualifies, the reason is the problem of
 * the most specific candidate (an address-bound certificate's before a domain-bound one's).
 */
export function findRecipientCertificate(store: DirectCertificateStore, address: string, now: Date): RecipientCertificateResult {
  const wanted = address.trim().toLowerCase();
  const at = wanted.lastIndexOf('@');
  if (at <= 0 || at === wanted.length - 1) return { ok: false, reason: 'no_certificate' };
  const domain = wanted.slice(at + 1);
  const usable = store.certificates.filter((c) => !c.isCa && c.canEncipher);
  const candidates = [...usable.filter((c) => c.emails.includes(wanted)), ...usable.filter((c) => c.domains.includes(domain))];
  let firstProblem: 'untrusted' | 'expired' | undefined;
  for (const candidate of candidates) {
    const problem = chainProblem(store, candidate.x509, now);
    if (!problem) return { ok: true, certificatePem: candidate.certificatePem };
    firstProblem ??= problem;
  }
  return { ok: false, reason: firstProblem ?? 'no_certificate' };
}

export interface PracticeDirectIdentity {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** The practice's signing certificate and key (PEM files); throws when either does not load or they are not a pair. */
export function loadPracticeDirectIdentity(options: { readonly certificatePath: string; readonly privateKeyPath: string }): PracticeDirectIdentity {
  const [certificate] = parseCertificates(readFileSync(options.certificatePath));
  if (!certificate) throw new Error('the practice certificate file holds no certificate');
  const privateKeyPem = readFileSync(options.privateKeyPath, 'utf8');
  const key = createPrivateKey(privateKeyPem);
  // A key that is not the certificate's would sign messages no receiver can verify.
  if (!certificate.checkPrivateKey(key)) throw new Error('the practice private key does not match its certificate');
  if (key.asymmetricKeyType !== 'rsa') throw new Error('the practice key must be RSA');
  return { certificatePem: certificate.toString(), privateKeyPem };
}
