/**
 * `npm run bench:export`: the export builders on the demo patients (data/synthea, 5 bundles), in this
 * process, no HAPI and no network: the C-CDA (`buildCcd`) and the health summary PDF (`loadSummary` over an
 * in-memory record client answering as the facade does, then `renderSummaryPdf`), and for comparison
 * @medplum/ccda 5.1.10 (a devDependency, used here only) on the same FHIR data: `convertFhirToCcda` then
 * `convertCcdaToXml`, so both sides end with the XML text. Medplum's converter writes what a Composition
 * lists, so the script builds one Composition (outside the timing) whose sections list the same resources
 * ours is given, by type (vital-signs / social-history / other Observations split by category). Each
 * patient: one warm-up of each, then BENCH_ROUNDS rounds, ours CCD, PDF and @medplum/ccda alternating within
 * a round. Prints the median time of each and per resource, the ratio of our CCD's time to @medplum/ccda's, and the peak RSS growth during that patient's builds: the highest
 * process.memoryUsage().rss sampled after each build, less the RSS sampled before the first (the patient's
 * record already read); and, for the whole run, process.resourceUsage().maxRSS at end vs start. Then checks the issue's targets: CCD + PDF for Josue Sipes under 2 s,
 * peak RSS growth under 300 MB, time roughly linear in resources (the spread of ms per resource), and our
 * CCD within 1.5× of @medplum/ccda's time for every patient.
 * Settings: BENCH_ROUNDS (rounds after the warm-up, default 10).
 */
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  convertCcdaToXml,
  convertFhirToCcda,
  LOINC_ALLERGIES_SECTION,
  LOINC_CARE_TEAM_SECTION,
  LOINC_ENCOUNTERS_SECTION,
  LOINC_GOALS_SECTION,
  LOINC_IMMUNIZATIONS_SECTION,
  LOINC_MEDICATIONS_SECTION,
  LOINC_PLAN_OF_TREATMENT_SECTION,
  LOINC_PROBLEMS_SECTION,
  LOINC_PROCEDURES_SECTION,
  LOINC_RESULTS_SECTION,
  LOINC_SOCIAL_HISTORY_SECTION,
  LOINC_VITAL_SIGNS_SECTION,
} from '@medplum/ccda';
import type { Bundle, Composition, CompositionSection, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { buildCcd } from '../src/export/ccda/build-ccd.ts';
import { type CcdResource, isCcdResource } from '../src/export/ccda/model.ts';
import { renderSummaryPdf } from '../src/export/pdf/summary-pdf.ts';
import { loadSummary } from '../src/export/summary/load-summary.ts';
import { sectionContext } from '../test/unit/record/fake-record.ts';
import { readSynthea, syntheaRecord } from '../test/unit/export/summary/synthea-record.ts';
import { fromRoot } from './lib/paths.ts';
import { patientOf, readBundle } from './lib/synthea.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 10);
const say = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => bytes / 1024 / 1024;
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

interface Row {
  readonly name: string;
  readonly resources: number;
  readonly ccdMs: number;
  readonly pdfMs: number;
  readonly medplumMs: number;
  readonly rssGrowthMb: number;
}

const ratioTarget = 1.5;
const loinc = 'http://loinc.org';

/** The @medplum/ccda section (LOINC code) a resource goes in, as ours files it; undefined: not an entry. */
function medplumSectionOf(resource: CcdResource): string | undefined {
  switch (resource.resourceType) {
    case 'AllergyIntolerance':
      return LOINC_ALLERGIES_SECTION;
    case 'MedicationRequest':
      return LOINC_MEDICATIONS_SECTION;
    case 'Condition':
      return LOINC_PROBLEMS_SECTION;
    case 'Observation': {
      const categories = (resource as Observation).category?.flatMap((c) => c.coding?.map((coding) => coding.code) ?? []) ?? [];
      if (categories.includes('vital-signs')) return LOINC_VITAL_SIGNS_SECTION;
      if (categories.includes('social-history')) return LOINC_SOCIAL_HISTORY_SECTION;
      return LOINC_RESULTS_SECTION;
    }
    case 'DiagnosticReport':
      return LOINC_RESULTS_SECTION;
    case 'Immunization':
      return LOINC_IMMUNIZATIONS_SECTION;
    case 'Procedure':
      return LOINC_PROCEDURES_SECTION;
    case 'Encounter':
      return LOINC_ENCOUNTERS_SECTION;
    case 'CarePlan':
      return LOINC_PLAN_OF_TREATMENT_SECTION;
    case 'Goal':
      return LOINC_GOALS_SECTION;
    case 'CareTeam':
      return LOINC_CARE_TEAM_SECTION;
    default:
      return undefined; // Medication, Practitioner, Organization: referenced, not listed
  }
}

/** The Bundle @medplum/ccda converts: a Composition listing the same resources ours gets, the Patient, and those resources. */
function medplumBundle(patient: Patient, resources: readonly CcdResource[]): Bundle {
  const sections = new Map<string, CompositionSection>();
  for (const resource of resources) {
    const code = medplumSectionOf(resource);
    if (!code) continue;
    let section = sections.get(code);
    if (!section) {
      section = { code: { coding: [{ system: loinc, code }] }, entry: [] };
      sections.set(code, section);
    }
    section.entry?.push({ reference: `${resource.resourceType}/${resource.id}` });
  }
  const composition: Composition = {
    resourceType: 'Composition',
    id: '0b6c3d1e-8f4a-4c2b-9e7d-5a1f2b3c4d5e',
    status: 'final',
    type: { coding: [{ system: loinc, code: '34133-9' }] },
    subject: { reference: `Patient/${patient.id}` },
    date: createdAt.toISOString(),
    author: [{ display: 'Puente' }],
    title: 'Continuity of Care Document',
    section: [...sections.values()],
  };
  const entries: Resource[] = [composition, patient, ...resources];
  return { resourceType: 'Bundle', type: 'document', entry: entries.map((resource) => ({ resource })) };
}

const createdAt = new Date('2026-12-02T12:00:00Z');
const practice = { name: 'Clínica Puente', phone: '+1 (312) 555-0100' };
const timeZone = 'America/Chicago';

/** Times one build and the RSS rise across it. */
async function measure(build: () => unknown): Promise<{ ms: number; rssAfter: number }> {
  const started = performance.now();
  await build();
  const ms = performance.now() - started;
  return { ms, rssAfter: process.memoryUsage().rss };
}

async function benchPatient(file: string): Promise<Row> {
  const bundle = readBundle(fromRoot('data/synthea', file));
  const patient = patientOf(bundle);
  const resources = bundle.entry?.length ?? 0;
  const name = `${patient.name?.[0]?.given?.[0]?.replace(/\d+$/, '') ?? ''} ${patient.name?.[0]?.family?.replace(/\d+$/, '') ?? ''}`.trim();
  // The record as HAPI returns it (urn:uuid references as Type/id), for both builders.
  const record = readSynthea(file.split('_')[0]!);
  const ccd = () =>
    buildCcd({
      patient: record.patient,
      resources: record.resources.filter(isCcdResource),
      practice,
      software: { name: 'Puente', version: '0.1.0' },
      documentId: '0b6c3d1e-8f4a-4c2b-9e7d-5a1f2b3c4d5e',
      createdAt,
      timeZone,
      language: 'en',
    });
  const pdf = async () => {
    const model = await loadSummary(sectionContext(syntheaRecord(record), 'en', createdAt), undefined);
    return renderSummaryPdf(model, {
      locale: 'en',
      practice,
      patient: { name, birthDate: record.patient.birthDate ?? '', mrn: record.patient.id ?? '' },
      producedAt: createdAt,
      timeZone,
    });
  };
  const bundleForMedplum = medplumBundle(record.patient, record.resources.filter(isCcdResource));
  const medplum = () => convertCcdaToXml(convertFhirToCcda(bundleForMedplum));
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  rssPeak = Math.max(rssPeak, (await measure(ccd)).rssAfter);
  rssPeak = Math.max(rssPeak, (await measure(pdf)).rssAfter);
  // @medplum/ccda's RSS is not counted in ours: its warm-up and rounds run after the peak is sampled.
  await measure(medplum);
  const ccdTimes: number[] = [];
  const pdfTimes: number[] = [];
  const medplumTimes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const c = await measure(ccd);
    const p = await measure(pdf);
    rssPeak = Math.max(rssPeak, c.rssAfter, p.rssAfter);
    const m = await measure(medplum);
    ccdTimes.push(c.ms);
    pdfTimes.push(p.ms);
    medplumTimes.push(m.ms);
  }
  return {
    name,
    resources,
    ccdMs: median(ccdTimes),
    pdfMs: median(pdfTimes),
    medplumMs: median(medplumTimes),
    rssGrowthMb: mb(rssPeak - rssBefore),
  };
}

const startMaxRss = process.resourceUsage().maxRSS; // KiB
const startRss = process.memoryUsage().rss;
const files = readdirSync(fromRoot('data/synthea'))
  .filter((file) => file.endsWith('.json'))
  .sort();
say(`Each patient: 1 warm-up of each builder, then ${rounds} rounds, our CCD, our PDF and @medplum/ccda alternating.\n`);
say(
  `${'patient'.padEnd(18)} ${'resources'.padStart(9)} ${'CCD ms'.padStart(8)} ${'CCD ms/res'.padStart(10)} ${'PDF ms'.padStart(8)} ${'PDF ms/res'.padStart(10)} ${'RSS +MB'.padStart(8)} ${'medplum ms'.padStart(10)} ${'ours/medplum'.padStart(12)}`,
);
const rows: Row[] = [];
for (const file of files) {
  const row = await benchPatient(file);
  rows.push(row);
  say(
    `${row.name.padEnd(18)} ${String(row.resources).padStart(9)} ${row.ccdMs.toFixed(1).padStart(8)} ${(row.ccdMs / row.resources).toFixed(3).padStart(10)} ${row.pdfMs.toFixed(1).padStart(8)} ${(row.pdfMs / row.resources).toFixed(3).padStart(10)} ${row.rssGrowthMb.toFixed(1).padStart(8)} ${row.medplumMs.toFixed(1).padStart(10)} ${`${(row.ccdMs / row.medplumMs).toFixed(2)}×`.padStart(12)}`,
  );
}
const maxRssGrowthMb = (process.resourceUsage().maxRSS - startMaxRss) / 1024;
const peakBuildGrowthMb = Math.max(...rows.map((r) => r.rssGrowthMb));
const josue = rows.find((r) => r.name === 'Josue Sipes');
const spread = (perResource: number[]) =>
  `${Math.min(...perResource).toFixed(3)}–${Math.max(...perResource).toFixed(3)} ms (max/min ${(Math.max(...perResource) / Math.min(...perResource)).toFixed(1)}×)`;
const ok = (pass: boolean) => (pass ? 'OK' : 'MISSED');
const ratios = rows.map((r) => r.ccdMs / r.medplumMs);
const worstRatio = Math.max(...ratios);
say(`
RSS +MB: highest process.memoryUsage().rss after any of the patient's builds (ours), less the RSS before them.
medplum ms: @medplum/ccda 5.1.10 convertFhirToCcda + convertCcdaToXml on the same resources; ours/medplum: our CCD's median over its.
whole run, process.resourceUsage().maxRSS at end vs start: +${maxRssGrowthMb.toFixed(1)} MB (RSS now +${mb(process.memoryUsage().rss - startRss).toFixed(1)} MB;
includes the 5 parsed records kept in memory and garbage of all ${files.length * 3 * (rounds + 1)} builds not yet collected).
targets: Josue Sipes CCD + PDF ${josue ? `${(josue.ccdMs + josue.pdfMs).toFixed(0)} ms (goal < 2000 ms) ${ok(josue.ccdMs + josue.pdfMs < 2000)}` : 'not in data/synthea'}; \
peak RSS growth during one patient's builds ${peakBuildGrowthMb.toFixed(1)} MB (goal < 300 MB) ${ok(peakBuildGrowthMb < 300)}; \
linear in resources: CCD ${spread(rows.map((r) => r.ccdMs / r.resources))} per resource, PDF ${spread(rows.map((r) => r.pdfMs / r.resources))} per resource; \
CCD within ${ratioTarget}× of @medplum/ccda: ours/medplum ${Math.min(...ratios).toFixed(2)}–${worstRatio.toFixed(2)}× (goal ≤ ${ratioTarget}× for every patient) ${ok(worstRatio <= ratioTarget)}
machine: ${cpus().length} cores, Node ${process.version}`);
