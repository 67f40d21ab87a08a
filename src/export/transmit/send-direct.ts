/**
 * Sending the record by Direct secure message (the encrypted "transmit" of ONC (e)(1)): the doctor's
 * certificate is looked up first, so an address with no usable certificate is refused before anything is
 * produced or sent. Then the CCD and the summary PDF are produced from what the facade releases to the
 * sender, packed as an IHE XDM zip, signed with the practice's Direct certificate and encrypted to the
 * doctor's (direct/smime.ts), and queued in the outbox as the finished message — so no readable health
 * information waits in the outbox — together with its transmission row and its AuditEvent.
 */
import { randomUUID } from 'node:crypto';
import { medicalRecordNumber } from '../../core/fhir/names.ts';
import { translate } from '../../core/i18n/translate.ts';
import { languageTag } from '../../core/i18n/intl-formats.ts';
import type { RecordClient } from '../../record/record-client.ts';
import { findRecipientCertificate, type DirectCertificateStore } from './direct/certificates.ts';
import { DirectRefused } from './direct-refused.ts';
import { signedAndEncryptedMessage } from './direct/smime.ts';
import { buildXdmPackage, ccdaFormatCode, mimeTypeSufficientFormatCode } from './direct/xdm-package.ts';
import { produceFiles } from './produce-files.ts';
import { downloadRequestOf, queueTransmission, whatOf, type ChosenShare, type SendDeps } from './send-record.ts';
import type { Patient } from '@medplum/fhirtypes';

/** A fresh OID under 2.25 (ITU-T X.667: a UUID as one decimal arc), as XDS unique and source ids must be OIDs. */
const uuidOid = () => `2.25.${BigInt(`0x${randomUUID().replaceAll('-', '')}`).toString(10)}`;

export interface DirectSettings {
  /** The practice's Direct address (the From of every message). */
  readonly address: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /**
   * Recipient certificates and the trust anchors they must chain to (direct/certificates.ts), read at each
   * send so a certificate added to DIRECT_CERTS_DIR is used without a restart.
   */
  readonly recipients: () => DirectCertificateStore;
}

export interface DirectTransmitter {
  send(deps: SendDeps, record: RecordClient, share: ChosenShare, address: string, clientAddress: string): Promise<void>;
}

export function createDirectTransmitter(settings: DirectSettings): DirectTransmitter {
  const domain = settings.address.split('@')[1] ?? 'localhost';
  return {
    async send(deps, record, share, address, clientAddress) {
      const now = deps.now?.() ?? new Date();
      const found = findRecipientCertificate(settings.recipients(), address, now);
      if (!found.ok) throw new DirectRefused(found.reason);
      const files = await produceFiles(deps, record, downloadRequestOf(share, clientAddress), ['ccd', 'pdf']);
      const patient = await record.read<Patient>(`Patient/${record.patient}`);
      const language = share.choice.language;
      const zip = buildXdmPackage({
        documents: files.map((file) => ({
          filename: file.filename,
          contentType: file.contentType.split(';')[0]!,
          body: file.body,
          title: file.format,
          languageCode: languageTag(language),
          formatCode: file.format.startsWith('C-CDA') ? ccdaFormatCode : mimeTypeSufficientFormatCode,
        })),
        patient: { id: medicalRecordNumber(patient) ?? record.patient },
        practice: { name: deps.practice.name },
        submission: { uniqueId: uuidOid(), sourceId: uuidOid(), createdAt: now, intendedRecipient: address },
        software: 'Puente',
      });
      const messageId = `<direct-${randomUUID()}@${domain}>`;
      const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(language, key, { practice: deps.practice.name, ...params });
      const raw = signedAndEncryptedMessage({
        from: settings.address,
        to: [address],
        // The subject travels outside the encryption: it names the practice, never the patient.
        subject: t('direct.subject'),
        date: now,
        messageId,
        text: t('direct.body'),
        attachments: [{ filename: 'health-record-xdm.zip', contentType: 'application/zip', content: Buffer.from(zip) }],
        sender: { certificatePem: settings.certificatePem, privateKeyPem: settings.privateKeyPem },
        recipientCertificatesPem: [found.certificatePem],
      });
      await queueTransmission(deps, record, share, {
        message: { kind: 'direct', payload: { from: settings.address, to: [address], raw } },
        method: 'direct',
        addressee: address,
        what: whatOf(share, ['ccd', 'pdf']),
        formats: files.map((file) => file.format),
        clientAddress,
      });
    },
  };
}
