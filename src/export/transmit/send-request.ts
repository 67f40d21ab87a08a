/**
 * What the patient asked to send, parsed from the send forms (POST): the share choice (what, from, to,
 * visit, lang — the same fields and rules as the download form, export/share-choice.ts) plus each
 * method's own fields. Every refusal is a field error (a catalog key) for the form to show; nothing is
 * produced or sent until the whole request is valid.
 *
 * - Direct: the doctor's Direct address.
 * - Share link: a label (who it is for), a passcode (≥ 6 characters, given to the doctor another way),
 *   the last day it works (practice-local; not in the past, at most a year away) and which files.
 * - Email: the address, the same link fields, and whether to attach the PDF and CCD to the email instead
 *   of sending only the link (only after the plain-language warning was acknowledged).
 */
import type { Locale } from '../../core/i18n/translate.ts';
import { formBody } from '../../http/form-body.ts';
import { instantOf, localDay } from '../ccda/hl7-time.ts';
import { parseShareChoice, type ParsedShareChoice, type ShareChoice, type ShareErrors } from '../share-choice.ts';

export type SendFormat = 'pdf' | 'ccd' | 'fhir';
export const sendFormats: readonly SendFormat[] = ['pdf', 'ccd', 'fhir'];

export const minPasscodeLength = 6;
export const maxPasscodeLength = 64;
export const defaultLinkDays = 14;
const maxLinkDays = 366;

export type SendFieldError =
  | 'send.error.address'
  | 'send.error.passcode'
  | 'send.error.expiryDate'
  | 'send.error.expiryPast'
  | 'send.error.expiryFar'
  | 'send.error.nothing'
  | 'send.error.label'
  | 'send.error.understood';

export interface SendFields {
  readonly address: string;
  readonly label: string;
  readonly expires: string;
  readonly formats: readonly SendFormat[];
  readonly attach: boolean;
  readonly understood: boolean;
}

export interface SendErrors extends ShareErrors {
  readonly address?: SendFieldError;
  readonly label?: SendFieldError;
  readonly passcode?: SendFieldError;
  readonly expires?: SendFieldError;
  readonly formats?: SendFieldError;
  readonly understood?: SendFieldError;
}

export interface LinkTerms {
  readonly label: string;
  readonly passcode: string;
  readonly expiresAt: Date;
  readonly formats: readonly SendFormat[];
}

export type ParsedSend<T> =
  | { readonly ok: true; readonly share: Extract<ParsedShareChoice, { ok: true }>; readonly fields: SendFields; readonly request: T }
  | { readonly ok: false; readonly choice: ShareChoice; readonly fields: SendFields; readonly errors: SendErrors };

const form = formBody({
  address: { maxLength: 254 },
  label: { maxLength: 200 },
  passcode: { trim: false, maxLength: 200 },
  expires: { maxLength: 10 },
  formats: { list: true, oneOf: sendFormats },
  attach: { oneOf: ['link', 'files'] },
  understood: { oneOf: ['yes'] },
});

// An addr-spec as people type one (RFC 5321 limits: 64-character local part, 254 in all), with a dotted domain.
const addressPattern = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
export const isAddress = (value: string): boolean => value.length <= 254 && addressPattern.test(value) && !value.includes('..');

/** The default last day of a new link: two weeks from today, practice-local. */
export function defaultExpiry(now: Date, timeZone: string): string {
  return localDay(new Date(now.getTime() + defaultLinkDays * 86_400_000).toISOString(), timeZone) ?? '';
}

function parseFields(body: unknown, now: Date, timeZone: string) {
  const values = form.parse(body);
  const fields: SendFields = {
    address: values.address,
    label: values.label,
    expires: values.expires || defaultExpiry(now, timeZone),
    formats: values.formats as readonly SendFormat[],
    attach: values.attach === 'files',
    understood: values.understood === 'yes',
  };
  return { values, fields };
}

/** The link's terms, or the field errors (label, passcode, expiry, formats). */
function linkTerms(values: ReturnType<typeof form.parse>, fields: SendFields, now: Date, timeZone: string, defaultLabel: string): { terms?: LinkTerms; errors: SendErrors } {
  const errors: { label?: SendFieldError; passcode?: SendFieldError; expires?: SendFieldError; formats?: SendFieldError } = {};
  const label = fields.label || defaultLabel;
  if ([...label].length > 80) errors.label = 'send.error.label';
  const passcodeLength = [...values.passcode].length;
  if (passcodeLength < minPasscodeLength || passcodeLength > maxPasscodeLength || values.passcode.trim() === '') errors.passcode = 'send.error.passcode';
  const end = /^\d{4}-\d{2}-\d{2}$/.test(fields.expires) ? instantOf(`${fields.expires}T23:59:59`, timeZone) : undefined;
  if (!end || localDay(end.toISOString(), timeZone) !== fields.expires) errors.expires = 'send.error.expiryDate';
  else if (end.getTime() <= now.getTime()) errors.expires = 'send.error.expiryPast';
  else if (end.getTime() - now.getTime() > maxLinkDays * 86_400_000) errors.expires = 'send.error.expiryFar';
  if (fields.formats.length === 0) errors.formats = 'send.error.nothing';
  if (Object.keys(errors).length > 0 || !end) return { errors };
  return { terms: { label, passcode: values.passcode, expiresAt: end, formats: fields.formats }, errors };
}

interface Context {
  readonly pageLanguage: Locale;
  readonly now: Date;
  readonly timeZone: string;
  /** The label a link gets when the patient gives none. */
  readonly defaultLabel: string;
}

function finish<T>(body: unknown, ctx: Context, fields: SendFields, errors: SendErrors, request: T | undefined): ParsedSend<T> {
  const share = parseShareChoice(body, ctx.pageLanguage);
  if (!share.ok || Object.keys(errors).length > 0 || request === undefined) {
    return { ok: false, choice: share.choice, fields, errors: { ...(share.ok ? {} : share.errors), ...errors } };
  }
  return { ok: true, share, fields, request };
}

export function parseDirectSend(body: unknown, ctx: Context): ParsedSend<{ address: string }> {
  const { values, fields } = parseFields(body, ctx.now, ctx.timeZone);
  const address = values.address.toLowerCase();
  const errors: SendErrors = isAddress(address) ? {} : { address: 'send.error.address' };
  return finish(body, ctx, { ...fields, formats: ['ccd', 'pdf'] }, errors, { address });
}

export function parseLinkSend(body: unknown, ctx: Context): ParsedSend<LinkTerms> {
  const { values, fields } = parseFields(body, ctx.now, ctx.timeZone);
  const { terms, errors } = linkTerms(values, fields, ctx.now, ctx.timeZone, ctx.defaultLabel);
  return finish(body, ctx, fields, errors, terms);
}

export type EmailSend =
  | { readonly address: string; readonly attach: false; readonly link: LinkTerms }
  | { readonly address: string; readonly attach: true; readonly formats: readonly SendFormat[] };

/**
 * Email: by default only a share link (its terms as for a link); with `attach=files` the chosen files go
 * in the email itself, which needs the warning acknowledged and no passcode (there is no link).
 */
export function parseEmailSend(body: unknown, ctx: Context): ParsedSend<EmailSend> {
  const { values, fields } = parseFields(body, ctx.now, ctx.timeZone);
  const address = values.address.toLowerCase();
  const addressError: SendErrors = isAddress(address) ? {} : { address: 'send.error.address' };
  if (fields.attach) {
    const errors: SendErrors = {
      ...addressError,
      ...(fields.understood ? {} : { understood: 'send.error.understood' as const }),
      ...(fields.formats.length === 0 ? { formats: 'send.error.nothing' as const } : {}),
    };
    return finish(body, ctx, fields, errors, { address, attach: true, formats: fields.formats });
  }
  const { terms, errors } = linkTerms(values, fields, ctx.now, ctx.timeZone, ctx.defaultLabel);
  return finish(body, ctx, fields, { ...errors, ...addressError }, terms ? { address, attach: false, link: terms } : undefined);
}
