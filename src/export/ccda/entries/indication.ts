/**
 * Indication (V2), 2.16.840.1.113883.10.20.22.4.19:2014-06-09 — why a medication was ordered, a procedure done
 * or an encounter held (FHIR reasonCode / reasonReference). A reason that names a Condition the document also
 * carries uses that condition's problem observation id, so a receiver can link the two.
 */
import type { CodeableConcept, Condition, Reference, Resource } from '@medplum/fhirtypes';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, templateIds } from '../data-types.ts';
import { conceptText } from '../display.ts';
import { nameUuid } from '../uuid.ts';
import { el, type XmlElement } from '../xml.ts';

export interface Reason {
  readonly concept: CodeableConcept | undefined;
  readonly condition?: Condition;
}

/** The reasons of a resource: its reasonCode concepts, then the Conditions its reasonReference names. */
export function reasonsOf(owner: Resource & { reasonCode?: CodeableConcept[]; reasonReference?: Reference[] }, ctx: BuildContext): Reason[] {
  const reasons: Reason[] = (owner.reasonCode ?? []).map((concept) => ({ concept }));
  for (const reference of owner.reasonReference ?? []) {
    const condition = ctx.resolve(reference, 'Condition', owner);
    if (condition) reasons.push({ concept: condition.code, condition });
    else if (reference.display) reasons.push({ concept: { text: reference.display } });
  }
  return reasons;
}

export const reasonsText = (reasons: readonly Reason[]): string =>
  reasons
    .map((reason) => conceptText(reason.concept))
    .filter(Boolean)
    .join('; ');

/** One Indication per reason, as `entryRelationship typeCode="RSON"`; `ref` is the narrative cell holding the reasons. */
export function indications(owner: Resource, reasons: readonly Reason[], ref: string): XmlElement[] {
  return reasons.map((reason, index) =>
    el(
      'entryRelationship',
      { typeCode: 'RSON' },
      el(
        'observation',
        { classCode: 'OBS', moodCode: 'EVN' },
        templateIds('2.16.840.1.113883.10.20.22.4.19', '2014-06-09', true),
        reason.condition ? entryId(reason.condition, 'problem') : el('id', { root: nameUuid(`${owner.resourceType}/${owner.id ?? ''}#reason-${index}`) }),
        el('code', { code: '404684003', codeSystem: OID.snomed, codeSystemName: 'SNOMED CT', displayName: 'Clinical finding' }),
        el('statusCode', { code: 'completed' }),
        cd('value', reason.concept, { xsiType: 'CD', prefer: [OID.snomed, OID.icd10cm], ref }),
      ),
    ),
  );
}
