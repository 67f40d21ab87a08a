/** The family-access emails, in the recipient's language (plain text with an HTML alternative; ui/email.ts). */
import { compose, line, type Practice } from '../ui/email.ts';
import type { Locale } from '../core/i18n/translate.ts';
import type { EmailMessage } from '../store/outbox.ts';

/** To the invited person: who invited them and the single-use registration link (4 days). */
export const familyInvitationEmail = (locale: Locale, practice: Practice, to: string, link: string, patientName: string): EmailMessage =>
  compose(locale, practice, to, 'family.email.invitation.subject', [
    line(locale, practice, 'family.email.invitation.body', { name: patientName }),
    { link },
    line(locale, practice, 'family.email.invitation.help'),
  ]);

/**
 * To an invited person who already holds an account here (a patient, or a family member of another patient):
 * the single-use link (4 days) to accept signed in with that account; no new password, no second account.
 */
export const familySignInInvitationEmail = (locale: Locale, practice: Practice, to: string, link: string, patientName: string): EmailMessage =>
  compose(locale, practice, to, 'family.email.signInInvitation.subject', [
    line(locale, practice, 'family.email.signInInvitation.body', { name: patientName }),
    { link },
    line(locale, practice, 'family.email.signInInvitation.help'),
  ]);

/** To the family member when their access ends, whoever ended it; without the patient's name when the FHIR server did not answer. */
export const familyAccessEndedEmail = (locale: Locale, practice: Practice, to: string, patientName: string | undefined): EmailMessage =>
  compose(locale, practice, to, 'family.email.ended.subject', [
    patientName ? line(locale, practice, 'family.email.ended.body', { name: patientName }) : line(locale, practice, 'family.email.ended.bodyNoName'),
  ]);

/** To the patient after "end everything": what ended, in plain words. */
export const everythingEndedEmail = (locale: Locale, practice: Practice, to: string, lines: readonly string[]): EmailMessage =>
  compose(locale, practice, to, 'family.email.everything.subject', [
    line(locale, practice, 'family.email.everything.body'),
    ...lines,
    line(locale, practice, 'family.email.everything.help'),
  ]);

/** 30 days before the child's 18th birthday, to the parent and the patient. */
export const minorsNoticeEmail = (locale: Locale, practice: Practice, to: string, patientName: string, day: string): EmailMessage =>
  compose(locale, practice, to, 'family.email.minorNotice.subject', [line(locale, practice, 'family.email.minorNotice.body', { name: patientName, date: day })]);

/** On the 18th birthday, to the parent and the patient. */
export const minorsEndedEmail = (locale: Locale, practice: Practice, to: string, patientName: string): EmailMessage =>
  compose(locale, practice, to, 'family.email.minorEnded.subject', [line(locale, practice, 'family.email.minorEnded.body', { name: patientName })]);
