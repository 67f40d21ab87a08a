/**
 * A share choice said in words ("The whole record, in Spanish"; "From 3 March 2024 to 31 March 2024, in
 * English"; "One visit, …"): on the send page and for each item on the "sent and shared" list.
 */
import type { DateFormatter } from '../../core/fhir/dates.ts';
import type { MessageKey } from '../../core/i18n/translate.ts';

export interface ChoiceLike {
  readonly what?: unknown;
  readonly from?: unknown;
  readonly to?: unknown;
  readonly language?: unknown;
}

type T = (key: MessageKey, params?: Record<string, string | number>) => string;

export function choiceInWords(t: T, dates: DateFormatter, choice: ChoiceLike): string {
  const from = typeof choice.from === 'string' && choice.from ? dates.day(choice.from) : '';
  const to = typeof choice.to === 'string' && choice.to ? dates.day(choice.to) : '';
  let what: string;
  if (choice.what === 'visit') what = t('send.words.visit');
  else if (choice.what === 'range' && from && to) what = t('send.words.between', { from, to });
  else if (choice.what === 'range' && from) what = t('send.words.from', { from });
  else if (choice.what === 'range' && to) what = t('send.words.to', { to });
  else what = t('send.words.all');
  const language = choice.language === 'en' ? t('send.words.english') : t('send.words.spanish');
  return t('send.words.inLanguage', { what, language });
}
