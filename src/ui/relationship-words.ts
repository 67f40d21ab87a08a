/**
 * A family member's relationship to the patient, in the reader's language: a relationship code
 * (core/fhir/relationships.ts) through the catalog, or as written when it is free text (a paper-form designee's,
 * typed by staff). Here in ui/ because the patient's family pages and the staff console both show it, and
 * neither may import the other.
 */
import { isRelationshipCode } from '../core/fhir/relationships.ts';
import type { PageContext } from './layout.ts';

export const relationshipWords = (ctx: Pick<PageContext, 't'>, relationship: string): string =>
  isRelationshipCode(relationship) ? ctx.t(`relationship.${relationship}`) : relationship;
