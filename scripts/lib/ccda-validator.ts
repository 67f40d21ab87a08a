/**
 * Validates a C-CDA document the way HL7 publishes the rules, with local programs only:
 *
 * 1. the CDA R2 schema with SDTC extensions (`CDA_SDTC.xsd`) — `xmllint --schema` (Debian libxml2-utils);
 * 2. the HL7 C-CDA R2.1 schematron (or the Companion Guide R4.1 one), compiled to XSLT 1.0 with the ISO
 *    schematron skeleton that Debian's python3-lxml ships, run with xsltproc (Debian xsltproc). The
 *    schematron uses abstract rules, which `xmllint --schematron` cannot compile.
 *
 * Compiling takes a few seconds, so each (schematron, phase, fix) is compiled once into a cache directory
 * under the OS tmp dir, keyed by a hash of everything that goes into it; every validation after that is one
 * xsltproc run. The schema, schematron and voc.xml are the project's copies in data/ccda-validation/
 * (see its PROVENANCE.md); nothing outside the repository is read except the Debian-installed programs.
 *
 * Known upstream defect, fixed at compile time (never in the copied file): HL7's 2025-07-25 errata (Jira
 * CDA-20068) wrote assert a-1098-28042 as `count(cda:value[xsi:type='CD'])=1` — without the `@` it tests for
 * a child element named xsi:type and fails on every Functional Status / Self-Care Activities observation
 * (template 2.16.840.1.113883.10.20.22.4.67), even HL7's own sample CCDs. The compiled copy reads
 * `cda:value[@xsi:type='CD']`, as the rule's text says. (Puente's CCD never emits that template anyway.)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot } from './paths.ts';

/** Where Debian's python3-lxml keeps the ISO schematron skeleton for XSLT 1.0. */
export const isoSkeletonDir = '/usr/lib/python3/dist-packages/lxml/isoschematron/resources/xsl/iso-schematron-xslt1';

export const validationDataDir = fromRoot('data/ccda-validation');
export const cdaSchemaPath = join(validationDataDir, 'cda-schema/infrastructure/cda/CDA_SDTC.xsd');

export const schematrons = {
  /** HL7 C-CDA R2.1 (Trifolia 2022 + HL7 errata through 2025-07-25). */
  'ccda-r2.1': join(validationDataDir, 'ccda-schematron/ccda-r2.1.sch'),
  /** HL7 C-CDA Companion Guide R4.1 (2023). */
  'companion-guide-r4.1': join(validationDataDir, 'ccda-schematron/ccda-companion-guide-r4.1.sch'),
} as const;
export type SchematronName = keyof typeof schematrons;
export type Phase = 'errors' | 'warnings';

const vocPath = join(validationDataDir, 'ccda-schematron/voc.xml');

/** One failed schematron assert, as SVRL reports it. */
export interface FailedAssert {
  /** The assert's id in the schematron (`a-1098-28042`); `pattern:<pattern id>` for an assert without one. */
  readonly id: string;
  /** XPath of the element the rule fired on, short form (`/ClinicalDocument/component/structuredBody/component[3]/section`). */
  readonly location: string;
  /** The assert's text (it ends with the CONF number). */
  readonly text: string;
  readonly role: string;
}

export interface CcdaValidation {
  /** True when xmllint says the document validates against CDA_SDTC.xsd. */
  readonly xsdValid: boolean;
  /** xmllint's error lines (empty when valid). */
  readonly xsdErrors: readonly string[];
  /** Failed asserts of the schematron phase asked for. */
  readonly failedAsserts: readonly FailedAssert[];
}

export interface ValidateOptions {
  readonly schematron?: SchematronName;
  readonly phase?: Phase;
  /** Run the stylesheet exactly as the ISO skeleton writes it (see CompileOptions.exhaustive). */
  readonly exhaustive?: boolean;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new Error(`${command} could not start (${error.message}); install Debian's libxml2-utils and xsltproc`)));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => {}); // the program may exit before reading everything; its exit code tells
    child.stdin.end(input ?? '');
  });
}

async function runOrThrow(command: string, args: readonly string[]): Promise<string> {
  const result = await run(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr.slice(0, 2000)}`);
  return result.stdout;
}

/** The upstream a-1098-28042 defect and its fix (see the header). */
const knownDefect = { broken: "cda:value[xsi:type='CD']", fixed: "cda:value[@xsi:type='CD']" } as const;

/** Default cache: one folder per user under the OS tmp dir (PUENTE_CCDA_CACHE overrides it). */
const defaultCacheDir = () => process.env['PUENTE_CCDA_CACHE'] ?? join(tmpdir(), `puente-ccda-schematron-${process.getuid?.() ?? 'user'}`);

const unescapeAttribute = (text: string) => text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&');

/** Splits an XPath union (`a | b`) into its branches, ignoring `|` inside predicates and parentheses. */
function unionBranches(context: string): string[] {
  const branches: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < context.length; i++) {
    const c = context[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === '|' && depth === 0) {
      branches.push(context.slice(start, i));
      start = i + 1;
    }
  }
  branches.push(context.slice(start));
  return branches.map((branch) => branch.trim());
}

/** A templateId a rule context asks for: a root, with its extension when the context names one. */
type TemplateRef = readonly [root: string, extension: string | undefined];

/**
 * For each pattern of an expanded schematron, the sets of templateIds under which one of its rules could fire:
 * each union branch of each rule context needs every templateId it names (`cda:templateId[@root='R' and
 * @extension='E']` or `[@root='R']`) to be somewhere in the document. Undefined when some rule could fire without
 * any (a context naming no templateId, or with `not(` or ` or `, which could make one optional).
 */
export function requiredTemplateIds(expandedSchematron: string): Map<string, readonly (readonly TemplateRef[])[] | undefined> {
  const patterns = new Map<string, readonly (readonly TemplateRef[])[] | undefined>();
  let current: { id: string; branches: TemplateRef[][]; open: boolean } | undefined;
  const close = () => {
    if (current) patterns.set(current.id, current.open ? undefined : current.branches);
  };
  for (const match of expandedSchematron.matchAll(/<(?:\w+:)?pattern\b[^>]*?\bid="([^"]*)"|<(?:\w+:)?rule\b[^>]*?\bcontext="([^"]*)"/g)) {
    if (match[1] !== undefined) {
      close();
      current = { id: match[1], branches: [], open: false };
      continue;
    }
    if (!current) continue;
    for (const branch of unionBranches(unescapeAttribute(match[2]!))) {
      const refs: TemplateRef[] = [...branch.matchAll(/templateId\[@root='([^']+)'(?: and @extension='([^']+)')?\]/g)].map((m) => [m[1]!, m[2]]);
      if (refs.length === 0 || branch.includes('not(') || / or /.test(branch)) current.open = true;
      current.branches.push(refs);
    }
  }
  close();
  return patterns;
}

const ROOT_KEY = 'puente-template-root';
const ID_KEY = 'puente-template-id';
const refTest = ([root, extension]: TemplateRef) => (extension === undefined ? `key('${ROOT_KEY}','${root}')` : `key('${ID_KEY}','${root}:${extension}')`);

/**
 * Speeds up a compiled schematron without changing its verdicts. The ISO skeleton walks the whole document once
 * per pattern (218 patterns, each a full walk, in the R2.1 errors phase), though most are for templates — or
 * older versions of templates — a CCD never holds. Each pattern whose rules can only fire under certain
 * templateIds (see requiredTemplateIds) runs only when the document has them (xsl:key lookups, no walk); a
 * pattern skipped that way could not have fired a rule. Patterns that might fire anywhere always run.
 */
export function guardPatternsByTemplateId(compiledXslt: string, expandedSchematron: string): { xslt: string; guarded: number; total: number } {
  const required = requiredTemplateIds(expandedSchematron);
  let guarded = 0;
  let total = 0;
  const xslt = compiledXslt.replace(
    /(<svrl:active-pattern><axsl:attribute name="id">([^<]*)<\/axsl:attribute>[\s\S]*?<\/svrl:active-pattern>)(<axsl:apply-templates select="\/" mode="M\d+"\/>)/g,
    (_whole, announce: string, id: string, run: string) => {
      total++;
      const branches = required.get(unescapeAttribute(id));
      if (!branches || branches.length === 0) return `${announce}${run}`;
      guarded++;
      const tests = [...new Set(branches.map((refs) => `(${[...new Set(refs.map(refTest))].join(' and ')})`))];
      return `${announce}<axsl:if test="${tests.join(' or ')}">${run}</axsl:if>`;
    },
  );
  const keys = `<axsl:key name="${ROOT_KEY}" match="cda:templateId" use="@root"/><axsl:key name="${ID_KEY}" match="cda:templateId" use="concat(@root,':',@extension)"/>`;
  const withKeys = xslt.replace(/(<axsl:template match="\/">)/, `${keys}$1`);
  if (withKeys === xslt || total === 0) throw new Error('the compiled schematron does not have the shape the ISO skeleton writes; cannot guard its patterns');
  return { xslt: withKeys, guarded, total };
}

/**
 * The ISO skeleton announces each pattern with `<svrl:active-pattern>…<axsl:apply-templates/></svrl:active-pattern>`
 * (its own comment: "seems that this apply-templates is never triggered"). It is triggered: it walks the whole
 * document in the default mode once per pattern, and writes nothing, because the only default-mode template is an
 * empty `text()` rule. On a 1 MB CCD that walk, 218 times over, is most of the run. This drops it — after checking
 * that the default mode has no other template, so the output cannot change.
 */
export function dropEmptyPatternWalks(compiledXslt: string): string {
  const defaultMode = [...compiledXslt.matchAll(/<axsl:template\b([^>]*)>/g)].map((m) => m[1]!).filter((attributes) => !/\bmode=/.test(attributes) && !/\bname=/.test(attributes));
  const expected = (attributes: string) => /^\s*match="\/"\s*$/.test(attributes) || /^\s*match="text\(\)" priority="-1"\s*\/$/.test(attributes);
  if (!defaultMode.every(expected)) throw new Error('the compiled schematron has default-mode templates the ISO skeleton does not write; cannot drop its pattern walks');
  return compiledXslt.replaceAll('<axsl:apply-templates/></svrl:active-pattern>', '</svrl:active-pattern>');
}

export interface CompileOptions {
  readonly cacheDir?: string;
  /** The stylesheet exactly as the ISO skeleton writes it, without guardPatternsByTemplateId and dropEmptyPatternWalks (much slower; same verdicts). */
  readonly exhaustive?: boolean;
}

/**
 * Compiles a schematron phase to XSLT 1.0 (ISO include → abstract expansion → SVRL), once: the result is kept in
 * `cacheDir/<hash>/` next to a copy of voc.xml, because the schematron's `document('voc.xml')` is resolved
 * relative to the compiled stylesheet. Returns the compiled stylesheet's path.
 */
export async function compileSchematron(name: SchematronName = 'ccda-r2.1', phase: Phase = 'errors', options: CompileOptions = {}): Promise<string> {
  const source = schematrons[name];
  const skeleton = ['iso_dsdl_include.xsl', 'iso_abstract_expand.xsl', 'iso_svrl_for_xslt1.xsl', 'iso_schematron_skeleton_for_xslt1.xsl'].map((file) => join(isoSkeletonDir, file));
  for (const file of skeleton) {
    if (!existsSync(file)) throw new Error(`ISO schematron skeleton missing (${file}); install Debian's python3-lxml`);
  }
  const hash = createHash('sha256');
  for (const file of [source, vocPath, ...skeleton]) hash.update(readFileSync(file));
  // Anything that changes the compiled output is in the key (bump the version when the guard logic changes).
  hash.update(`${phase}\n${knownDefect.fixed}\nfast-v3:${!options.exhaustive}\n`);
  const dir = join(options.cacheDir ?? defaultCacheDir(), `${name}-${phase}${options.exhaustive ? '-exhaustive' : ''}-${hash.digest('hex').slice(0, 16)}`);
  const compiled = join(dir, 'compiled.xsl');
  if (existsSync(compiled)) return compiled;

  mkdirSync(dir, { recursive: true });
  // Unique temporary names, renamed into place last: two test runs compiling at once never see half a file.
  const unique = `${process.pid}-${Date.now()}`;
  const step1 = join(dir, `step1-${unique}.sch`);
  const step2 = join(dir, `step2-${unique}.sch`);
  try {
    writeFileSync(step1, await runOrThrow('xsltproc', [skeleton[0]!, source]));
    const expanded = (await runOrThrow('xsltproc', [skeleton[1]!, step1])).replaceAll(knownDefect.broken, knownDefect.fixed);
    writeFileSync(step2, expanded);
    const xslt = await runOrThrow('xsltproc', ['--stringparam', 'phase', phase, skeleton[2]!, step2]);
    const vocTemp = join(dir, `voc-${unique}.xml`);
    copyFileSync(vocPath, vocTemp);
    renameSync(vocTemp, join(dir, 'voc.xml'));
    const xslTemp = join(dir, `compiled-${unique}.xsl`);
    writeFileSync(xslTemp, options.exhaustive ? xslt : dropEmptyPatternWalks(guardPatternsByTemplateId(xslt, expanded).xslt));
    renameSync(xslTemp, compiled);
  } finally {
    rmSync(step1, { force: true });
    rmSync(step2, { force: true });
  }
  return compiled;
}

const attribute = (tag: string, name: string) => {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? unescapeXml(match[1]!) : '';
};
const unescapeXml = (text: string) =>
  text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);/g, (_whole, entity: string) => {
    if (entity === 'lt') return '<';
    if (entity === 'gt') return '>';
    if (entity === 'quot') return '"';
    if (entity === 'apos') return "'";
    if (entity === 'amp') return '&';
    return String.fromCodePoint(entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
  });

/** SVRL's location XPath (`/*[local-name()='ClinicalDocument' and namespace-uri()='urn:hl7-org:v3']/…`) in short form (`/ClinicalDocument/…`). */
export const shortLocation = (location: string): string =>
  location.replace(/\*\[local-name\(\)='([^']+)' and namespace-uri\(\)='([^']*)'\]/g, (_whole, name: string, namespace: string) =>
    namespace === 'urn:hl7-org:v3' ? name : namespace === 'urn:hl7-org:sdtc' ? `sdtc:${name}` : name,
  );

/** The failed asserts of an SVRL report. */
export function failedAssertsOf(svrl: string): FailedAssert[] {
  const found: FailedAssert[] = [];
  // An assert without an id (the R1.1-compatibility rule has none) is named after its pattern.
  let pattern = '';
  for (const match of svrl.matchAll(/<svrl:active-pattern\b([^>]*)>|<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g)) {
    if (match[1] !== undefined) {
      pattern = attribute(match[1], 'id');
      continue;
    }
    const tag = match[2]!;
    const text = /<svrl:text>([\s\S]*?)<\/svrl:text>/.exec(match[3]!)?.[1] ?? '';
    found.push({
      id: attribute(tag, 'id') || `pattern:${pattern}`,
      location: shortLocation(attribute(tag, 'location')),
      role: attribute(tag, 'role'),
      text: unescapeXml(text.replace(/\s+/g, ' ').trim()),
    });
  }
  return found;
}

/** XSD check alone: CDA_SDTC.xsd with xmllint. */
export async function validateXsd(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const result = await run('xmllint', ['--noout', '--nonet', '--schema', cdaSchemaPath, '-'], xml);
  const errors = result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && line !== '- validates');
  return { valid: result.code === 0, errors };
}

/** Schematron check alone: the failed asserts of one phase. */
export async function validateSchematron(xml: string, options: ValidateOptions = {}): Promise<FailedAssert[]> {
  const compiled = await compileSchematron(options.schematron ?? 'ccda-r2.1', options.phase ?? 'errors', { exhaustive: options.exhaustive ?? false });
  const result = await run('xsltproc', ['--nonet', compiled, '-'], xml);
  if (result.code !== 0) throw new Error(`xsltproc could not run the schematron (${result.code}): ${result.stderr.slice(0, 2000)}`);
  if (/failed to load external entity/.test(result.stderr)) throw new Error(`the schematron could not read a file it needs: ${result.stderr.slice(0, 2000)}`);
  return failedAssertsOf(result.stdout);
}

/** Both checks (run side by side): the XSD verdict and the failed asserts of the phase (default: C-CDA R2.1, errors). */
export async function validateCcda(xml: string, options: ValidateOptions = {}): Promise<CcdaValidation> {
  const [xsd, failedAsserts] = await Promise.all([validateXsd(xml), validateSchematron(xml, options)]);
  return { xsdValid: xsd.valid, xsdErrors: xsd.errors, failedAsserts };
}

/** A short human summary of a validation, for test failures and scripts: the first `limit` problems. */
export function describeValidation(validation: CcdaValidation, limit = 8): string {
  const lines: string[] = [];
  lines.push(`XSD: ${validation.xsdValid ? 'valid' : `INVALID (${validation.xsdErrors.length} lines)`}`);
  for (const error of validation.xsdErrors.slice(0, limit)) lines.push(`  ${error}`);
  lines.push(`schematron failed asserts: ${validation.failedAsserts.length}`);
  for (const failed of validation.failedAsserts.slice(0, limit)) lines.push(`  [${failed.id}] ${failed.location}\n    ${failed.text}`);
  return lines.join('\n');
}
