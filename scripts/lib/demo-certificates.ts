/**
 * The demo's Direct trust fabric, made on this machine (nothing downloaded): two small PKIs that
 * stand for the practice's HISP and the outside doctor's HISP. In real life each HISP's CA is
 * accredited (DirectTrust) and recipients' certificates are found by DNS CERT or LDAP; here the
 * demo writes them as files the portal's DIRECT_* variables point at:
 *
 *   certs/doctor.crt        the outside doctor's certificate (DIRECT_CERTS_DIR)
 *   trust-anchors.pem       the demo HISP's CA, the only anchor the portal trusts (DIRECT_TRUST_ANCHORS)
 *   practice-anchor.pem     the practice's CA, what the doctor's side verifies signatures with
 *   practice.crt/.key       the practice's Direct certificate and key (DIRECT_CERT, DIRECT_KEY)
 *   doctor.crt/.key         the doctor's certificate and key, to decrypt what the portal sends
 *
 * Keys come from node:crypto (RSA 2048); node-forge builds and signs the X.509 v3 certificates
 * (SHA-256), because node:crypto can read certificates but not issue them. Tests reuse
 * issueCertificate() to make their own fixtures (expired, untrusted, wrong key usage …).
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export const demoPracticeAddress = 'records@direct.puente-demo.example';
export const demoDoctorAddress = 'dra.rivera@direct.demo-hisp.example';

/** A certificate with its private key, both PEM. */
export interface IssuedCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface IssueOptions {
  /** Subject common name. */
  readonly commonName: string;
  readonly organization?: string;
  /** Issuer; self-signed (a root CA) when absent. */
  readonly issuer?: IssuedCertificate;
  readonly ca?: boolean;
  /** SAN rfc822Name: an address-bound Direct certificate. */
  readonly email?: string;
  /** SAN dNSName: a domain-bound Direct certificate (every address at that domain). */
  readonly domain?: string;
  /** Subject emailAddress attribute (older certificates carry the address only there). */
  readonly subjectEmail?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** End-entity key usages; Direct wants both (sign and receive), the default. */
  readonly keyUsage?: { readonly digitalSignature?: boolean; readonly keyEncipherment?: boolean };
}

const dayMs = 86_400_000;

/** Issues one X.509 v3 certificate with a fresh RSA 2048 key. */
export function issueCertificate(options: IssueOptions): IssuedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets; the leading 0x01 keeps it positive.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = options.notBefore ?? new Date(now - dayMs);
  cert.validity.notAfter = options.notAfter ?? new Date(now + (options.ca ? 3650 : 730) * dayMs);
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: options.commonName }];
  if (options.organization) subject.push({ name: 'organizationName', value: options.organization });
  if (options.subjectEmail) subject.push({ name: 'emailAddress', value: options.subjectEmail });
  cert.setSubject(subject);

  const issuerCert = options.issuer ? forge.pki.certificateFromPem(options.issuer.certificatePem) : cert;
  const issuerKey = options.issuer ? forge.pki.privateKeyFromPem(options.issuer.privateKeyPem) : forge.pki.privateKeyFromPem(privateKey);
  cert.setIssuer(issuerCert.subject.attributes);

  const altNames: { type: number; value: string }[] = [];
  if (options.email) altNames.push({ type: 1, value: options.email }); // rfc822Name
  if (options.domain) altNames.push({ type: 2, value: options.domain }); // dNSName
  const usage = options.keyUsage ?? { digitalSignature: true, keyEncipherment: true };
  const extensions: object[] = options.ca
    ? [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ]
    : [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: Boolean(usage.digitalSignature), keyEncipherment: Boolean(usage.keyEncipherment), critical: true },
        // RFC 8550 §4.4: a certificate used for S/MIME carries emailProtection when it has extKeyUsage.
        { name: 'extKeyUsage', emailProtection: true },
      ];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  extensions.push({ name: 'subjectKeyIdentifier' });
  // The issuer's key id, so that a verifier picks the right anchor when several share a name.
  extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuerCert === cert ? true : issuerCert.generateSubjectKeyIdentifier().getBytes() });
  cert.setExtensions(extensions);
  cert.sign(issuerKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: privateKey };
}

export interface DirectDemoCertificates {
  readonly practiceAddress: string;
  readonly doctorAddress: string;
  /** DIRECT_CERTS_DIR: holds the outside doctor's certificate. */
  readonly certsDir: string;
  /** DIRECT_TRUST_ANCHORS: the demo HISP's CA. */
  readonly trustAnchors: string;
  /** The practice's CA, which the doctor's side trusts. */
  readonly practiceAnchor: string;
  /** DIRECT_CERT and DIRECT_KEY. */
  readonly practiceCert: string;
  readonly practiceKey: string;
  readonly doctorCert: string;
  readonly doctorKey: string;
}

/**
 * Creates the demo's Direct certificates under `dir`, or reuses them when they are all there, the
 * practice certificate names `practiceAddress`, and every certificate stays valid 30 more days.
 */
export function ensureDirectDemoCertificates(dir: string, options: { practiceAddress?: string; now?: Date } = {}): DirectDemoCertificates {
  const practiceAddress = options.practiceAddress ?? demoPracticeAddress;
  const paths: DirectDemoCertificates = {
    practiceAddress,
    doctorAddress: demoDoctorAddress,
    certsDir: join(dir, 'certs'),
    trustAnchors: join(dir, 'trust-anchors.pem'),
    practiceAnchor: join(dir, 'practice-anchor.pem'),
    practiceCert: join(dir, 'practice.crt'),
    practiceKey: join(dir, 'practice.key'),
    doctorCert: join(dir, 'doctor.crt'),
    doctorKey: join(dir, 'doctor.key'),
  };
  if (reusable(paths, options.now ?? new Date())) return paths;

  const practiceCa = issueCertificate({ commonName: 'Puente Demo Practice Direct CA', organization: 'Puente Demo Clinic', ca: true });
  const practice = issueCertificate({ commonName: practiceAddress, organization: 'Puente Demo Clinic', email: practiceAddress, issuer: practiceCa });
  const hispCa = issueCertificate({ commonName: 'Demo HISP Direct CA', organization: 'Demo HISP', ca: true });
  const doctor = issueCertificate({ commonName: demoDoctorAddress, organization: 'Demo HISP', email: demoDoctorAddress, issuer: hispCa });

  mkdirSync(paths.certsDir, { recursive: true });
  writeFileSync(join(paths.certsDir, 'doctor.crt'), doctor.certificatePem);
  writeFileSync(paths.trustAnchors, hispCa.certificatePem);
  writeFileSync(paths.practiceAnchor, practiceCa.certificatePem);
  writeFileSync(paths.practiceCert, practice.certificatePem);
  writeFileSync(paths.practiceKey, practice.privateKeyPem, { mode: 0o600 });
  writeFileSync(paths.doctorCert, doctor.certificatePem);
  writeFileSync(paths.doctorKey, doctor.privateKeyPem, { mode: 0o600 });
  return paths;
}

function reusable(paths: DirectDemoCertificates, now: Date): boolean {
  const files = [join(paths.certsDir, 'doctor.crt'), paths.trustAnchors, paths.practiceAnchor, paths.practiceCert, paths.practiceKey, paths.doctorCert, paths.doctorKey];
  if (!files.every((file) => existsSync(file))) return false;
  try {
    const horizon = now.getTime() + 30 * dayMs;
    const certs = [paths.trustAnchors, paths.practiceAnchor, paths.practiceCert, paths.doctorCert].map((file) => new X509Certificate(readFileSync(file)));
    if (certs.some((cert) => new Date(cert.validTo).getTime() < horizon)) return false;
    const practice = certs[2]!;
    return practice.checkEmail(paths.practiceAddress, { subject: 'never' }) !== undefined && practice.checkIssued(certs[1]!);
  } catch {
    return false;
  }
}
