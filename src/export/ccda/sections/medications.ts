/**
 * Medications Section (entries required) (V2), 2.16.840.1.113883.10.20.22.2.1.1:2014-06-09. One Medication
 * Activity (4.16:2014-06-09) per MedicationRequest, in intent mood (an order is a statement of intent), with
 * the drug as Medication Information (4.23:2014-06-09), the dose, the frequency as PIVL_TS and the reasons as
 * Indications. The instructions in the narrative are the ones the portal's medication page shows.
 */
import type { Dosage, MedicationRequest } from '@medplum/fhirtypes';
import { translate } from '../../../core/i18n/translate.ts';
import { dateFormatter } from '../../../core/fhir/dates.ts';
import { dosageText } from '../../../record/dosage.ts';
import { OID } from '../code-systems.ts';
import type { BuildContext } from '../context.ts';
import { cd, entryId, pq, templateIds } from '../data-types.ts';
import { conceptText, personName, statusText } from '../display.ts';
import { indications, reasonsOf } from '../entries/indication.ts';
import { idAllocator, row, textReference } from '../narrative.ts';
import { emptySection, tableSection } from '../section.ts';
import { el, type XmlElement } from '../xml.ts';

const SECTION = { templateIds: templateIds('2.16.840.1.113883.10.20.22.2.1.1', '2014-06-09', true), code: ['10160-0', 'History of Medication use Narrative'] } as const;

/** FHIR MedicationRequest.status → HL7 ActStatus (statusCode). */
const statusCodes: Readonly<Record<string, string>> = {
  active: 'active',
  'on-hold': 'suspended',
  cancelled: 'cancelled',
  completed: 'completed',
  stopped: 'aborted',
  draft: 'new',
};

/** The frequency as PIVL_TS (CONF:1098-7513): one dose every period/frequency units, operator A. */
function frequency(dosage: Dosage | undefined): XmlElement | undefined {
  const repeat = dosage?.timing?.repeat;
  if (!repeat?.period || !repeat.periodUnit) return undefined;
  const every = repeat.period / (repeat.frequency ?? 1);
  if (!Number.isFinite(every) || every <= 0) return undefined;
  return el(
    'effectiveTime',
    { 'xsi:type': 'PIVL_TS', institutionSpecified: 'true', operator: 'A' },
    el('period', { value: String(Number(every.toPrecision(6))), unit: repeat.periodUnit }),
  );
}

function medicationEntry(request: MedicationRequest, rowId: string, cells: { name: string; reason: string }, ctx: BuildContext): XmlElement {
  const medication = request.medicationCodeableConcept ?? ctx.resolve(request.medicationReference, 'Medication', request)?.code;
  const dosage = request.dosageInstruction?.[0];
  const bounds = dosage?.timing?.repeat?.boundsPeriod;
  const start = ctx.time(bounds?.start ?? request.authoredOn);
  const end = ctx.time(bounds?.end);
  const ended = request.status === 'completed' || request.status === 'stopped' || request.status === 'cancelled';
  const dose = dosage?.doseAndRate?.find((d) => d.doseQuantity)?.doseQuantity;
  const status = request.status ? statusCodes[request.status] : undefined;
  return el(
    'substanceAdministration',
    { classCode: 'SBADM', moodCode: 'INT' },
    templateIds('2.16.840.1.113883.10.20.22.4.16', '2014-06-09', true),
    entryId(request),
    textReference(rowId),
    status ? el('statusCode', { code: status }) : el('statusCode', { nullFlavor: 'UNK' }),
    el(
      'effectiveTime',
      { 'xsi:type': 'IVL_TS' },
      start ? el('low', { value: start }) : el('low', { nullFlavor: 'UNK' }),
      end ? el('high', { value: end }) : ended ? el('high', { nullFlavor: 'UNK' }) : undefined,
    ),
    frequency(dosage),
    dose ? pq('doseQuantity', dose) : el('doseQuantity', { nullFlavor: 'UNK' }),
    el(
      'consumable',
      {},
      el(
        'manufacturedProduct',
        { classCode: 'MANU' },
        templateIds('2.16.840.1.113883.10.20.22.4.23', '2014-06-09', true),
        el('manufacturedMaterial', {}, cd('code', medication, { prefer: [OID.rxnorm, OID.ndc, OID.snomed], ref: cells.name })),
      ),
    ),
    indications(request, reasonsOf(request, ctx), cells.reason),
  );
}

export function medicationsSection(requests: readonly MedicationRequest[], ctx: BuildContext): XmlElement {
  const title = ctx.label('section.medications');
  if (requests.length === 0) return emptySection({ ...SECTION, title }, ctx.label('empty.medications'));
  // The same words as the portal's medication page (record/dosage.ts, project catalogs).
  const fmt = {
    locale: ctx.language,
    t: (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(ctx.language, key, params),
    dates: dateFormatter(ctx.language, ctx.timeZone),
  };
  const nextId = idAllocator('medication');
  const rows: XmlElement[] = [];
  const entries: XmlElement[] = [];
  for (const request of requests) {
    const rowId = nextId();
    const cells = { name: `${rowId}-name`, reason: `${rowId}-reason` };
    const medication = request.medicationCodeableConcept ?? ctx.resolve(request.medicationReference, 'Medication', request)?.code;
    const name = conceptText(medication) || request.medicationReference?.display || '';
    const prescriber = ctx.resolve(request.requester, 'Practitioner', request);
    const reasons = reasonsOf(request, ctx)
      .map((reason) => conceptText(reason.concept))
      .filter(Boolean)
      .join('; ');
    rows.push(
      row(rowId, [
        { id: cells.name, text: name },
        request.dosageInstruction?.length ? dosageText(fmt, request.dosageInstruction) : '',
        { id: cells.reason, text: reasons },
        statusText(ctx, 'medication', request.status),
        ctx.dateText(request.authoredOn),
        prescriber ? personName(prescriber.name) : (request.requester?.display ?? ''),
      ]),
    );
    entries.push(medicationEntry(request, rowId, cells, ctx));
  }
  const headers = ['column.medication', 'column.instructions', 'column.reason', 'column.status', 'column.prescribed', 'column.prescriber'] as const;
  return tableSection(
    { ...SECTION, title, entries },
    headers.map((h) => ctx.label(h)),
    rows,
  );
}
