/** A family member's access in plain words, one line each: "Everything I can see", or the chosen parts. */
import { translate, type Locale } from '../core/i18n/translate.ts';
import type { FamilyPart } from '../access/family-access.ts';

export const accessInWords = (locale: Locale, parts: readonly FamilyPart[] | undefined): string[] =>
  parts ? parts.map((part) => translate(locale, `family.part.${part}`)) : [translate(locale, 'family.access.everything')];
