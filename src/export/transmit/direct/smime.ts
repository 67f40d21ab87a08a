/**
 * A Direct message as one RFC 5322 text, signed then encrypted as S/MIME 4.0 (RFC 8551) asks and the
 * Direct Applicability Statement for Secure Health Transport (1.2, §2–3) requires:
 *
 *   outer headers (From, To, Subject, Date, Message-ID, MIME-Version)
 *   application/pkcs7-mime; smime-type=enveloped-data     CMS EnvelopedData, AES-256-CBC, RSA key transport
 *     └ multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256
 *         ├ multipart/mixed                                 the text and the attachments, each base64
 *         └ application/pkcs7-signature                     detached CMS SignedData, SHA-256
 *
 * Signing first and encrypting second keeps the signature (and so who sent it) hidden from the HISPs
 * in between (RFC 8551 §3.7). The practice's own certificate is a recipient too, so its copy of the
 * sent item stays readable to it. Every line ends in CRLF and every part is base64, so no relay can
 * re-encode a byte the signature covers (RFC 8551 §3.1.1: canonical form, 7-bit transport safe).
 *
 * node-forge does the CMS work; its key transport is RSAES-PKCS1-v1_5, which RFC 8551 §2.3 says every
 * receiver MUST support (Direct HISPs do).
 */
import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface SmimeAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Uint8Array;
}

export interface SmimeMessageInput {
  /** The practice's Direct address. */
  readonly from: string;
  readonly to: readonly string[];
  /** Outer headers travel in clear between HISPs: the subject must say nothing about the patient. */
  readonly subject: string;
  readonly date: Date;
  /** With or without the angle brackets. */
  readonly messageId: string;
  readonly text: string;
  readonly attachments: readonly SmimeAttachment[];
  readonly sender: { readonly certificatePem: string; readonly privateKeyPem: string };
  readonly recipientCertificatesPem: readonly string[];
}

const CRLF = '\r\n';

/** The complete message, CRLF line endings, ready for SMTP (nodemailer `raw`). */
export function signedAndEncryptedMessage(input: SmimeMessageInput): string {
  if (input.to.length === 0) throw new Error('a Direct message needs at least one recipient');
  if (input.recipientCertificatesPem.length === 0) throw new Error('a Direct message needs the recipients’ certificates');
  for (const value of [input.from, ...input.to, input.subject, input.messageId]) {
    // A CR or LF in a header value would let it add headers of its own (header injection).
    if (/[\r\n]/.test(value)) throw new Error('header values must be single lines');
  }
  const senderCertificate = forge.pki.certificateFromPem(input.sender.certificatePem);
  const senderKey = forge.pki.privateKeyFromPem(input.sender.privateKeyPem);

  const content = mixedEntity(input.text, input.attachments);
  const signed = signedEntity(content, senderCertificate, senderKey, input.date);
  const recipients = [...input.recipientCertificatesPem.map((pem) => forge.pki.certificateFromPem(pem)), senderCertificate];
  const enveloped = envelope(signed, recipients);

  const messageId = input.messageId.startsWith('<') ? input.messageId : `<${input.messageId}>`;
  return [
    `From: ${input.from}`,
    `To: ${input.to.join(', ')}`,
    `Subject: ${encodeHeaderText(input.subject)}`,
    `Date: ${rfc5322Date(input.date)}`,
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename=smime.p7m',
    '',
    base64Lines(enveloped),
  ].join(CRLF);
}

/** multipart/mixed: the text first, then each attachment; all base64 (7-bit, nothing for a relay to rewrite). */
function mixedEntity(text: string, attachments: readonly SmimeAttachment[]): string {
  const boundary = newBoundary();
  const parts = [
    ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', base64Lines(Buffer.from(text.replace(/\r?\n/g, CRLF), 'utf8'))].join(CRLF),
    ...attachments.map((a) =>
      [
        `Content-Type: ${a.contentType}; ${parameter('name', a.filename)}`,
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; ${parameter('filename', a.filename)}`,
        '',
        base64Lines(a.content),
      ].join(CRLF),
    ),
  ];
  return [`Content-Type: multipart/mixed; boundary="${boundary}"`, '', ...parts.map((part) => `--${boundary}${CRLF}${part}`), `--${boundary}--`, ''].join(CRLF);
}

/** multipart/signed with a detached SignedData over exactly the bytes of `content` (RFC 8551 §3.5.3). */
function signedEntity(content: string, certificate: forge.pki.Certificate, key: forge.pki.PrivateKey, date: Date): string {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(content, 'raw');
  p7.addCertificate(certificate); // the receiver needs the signer's certificate to verify it against its anchor
  p7.addSigner({
    key: key as forge.pki.rsa.PrivateKey,
    certificate,
    digestAlgorithm: forge.pki.oids['sha256']!,
    // RFC 5652 §11: content-type and message-digest are required once there are signed attributes;
    // signing-time is what RFC 8551 §2.5.1 asks senders to include.
    authenticatedAttributes: [
      { type: forge.pki.oids['contentType']!, value: forge.pki.oids['data']! },
      { type: forge.pki.oids['messageDigest']! },
      { type: forge.pki.oids['signingTime']!, value: date as unknown as string },
    ],
  });
  p7.sign({ detached: true });
  const signature = forge.asn1.toDer(p7.toAsn1()).getBytes();

  const boundary = newBoundary();
  return [
    `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    // The signed bytes end with the inner entity's own last CRLF; the CRLF before the next delimiter belongs to it (RFC 2046 §5.1.1).
    content,
    `--${boundary}`,
    'Content-Type: application/pkcs7-signature; name=smime.p7s',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename=smime.p7s',
    '',
    base64Lines(Buffer.from(signature, 'binary')),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

/** EnvelopedData of the signed entity, one RSA key transport per certificate, AES-256-CBC content (RFC 8551 §2.7). */
function envelope(entity: string, recipients: readonly forge.pki.Certificate[]): Buffer {
  const p7 = forge.pkcs7.createEnvelopedData();
  for (const certificate of recipients) p7.addRecipient(certificate);
  p7.content = forge.util.createBuffer(entity, 'raw');
  p7.encrypt(undefined, forge.pki.oids['aes256-CBC']);
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

function newBoundary(): string {
  return `=_puente_${randomBytes(18).toString('base64url')}`;
}

/** base64 in 76-character lines (RFC 2045 §6.8). */
function base64Lines(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join(CRLF);
}

/** A MIME parameter: quoted when ASCII, RFC 2231 UTF-8 otherwise. */
function parameter(name: string, value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return `${name}="${value.replace(/["\\]/g, '\\$&')}"`;
  return `${name}*=utf-8''${encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** RFC 2047 encoded-words for a header with non-ASCII text, each at most 75 characters (§2), folded; ASCII goes as is. */
function encodeHeaderText(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let chunk = '';
  for (const character of text) {
    // 45 UTF-8 bytes → 60 base64 characters + 12 for "=?UTF-8?B?…?=": under the limit, and no character split.
    if (Buffer.byteLength(chunk + character) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += character;
  }
  words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC with a numeric zone ("GMT" is the obsolete form). */
export function rfc5322Date(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${two(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}
