/**
 * The password rules of NIST SP 800-63B-4 §3.1.1.2 (rev. 3 §5.1.1.2): a minimum length, a generous
 * maximum, no composition rules, any printable Unicode including spaces, and a blocklist of
 * breached, common, repetitive or sequential and context-specific values. Each refusal has a
 * stable code that is also the i18n key of the message the person sees (DESIGN.md "Habits" 3).
 */
import { readFileSync } from 'node:fs';

/** §3.1.1.2: at least 8 characters. */
export const minimumPasswordLength = 8;
/**
 * §3.1.1.2 asks verifiers to accept at least 64 characters and never to truncate. We refuse above
 * 128 instead of truncating, so a request cannot make us normalize and hash megabytes of input.
 */
export const maximumPasswordLength = 128;

export type PasswordProblem = 'password_too_short' | 'password_too_long' | 'password_common' | 'password_context';
export type PasswordVerdict = { ok: true } | { ok: false; code: PasswordProblem };

/** What we know about the person and the service, for the context-specific blocklist. */
export interface PasswordContext {
  readonly email?: string;
  readonly practiceName?: string;
  readonly givenName?: string;
  readonly familyName?: string;
}

/** The password in the forms the checks compare. */
interface Candidate {
  /** Unicode code points of the NFKC form: §3.1.1.2 counts each code point as one character. */
  readonly codePoints: number;
  /** NFKC, lowercased: the form of the blocklist entries (case-insensitive comparison). */
  readonly lower: string;
  /** Lowercased without diacritics, so "Echevarria" still matches the name "Echevarría". */
  readonly folded: string;
  readonly context: PasswordContext;
}

type Check = (candidate: Candidate) => PasswordProblem | undefined;

/** The checks in the order they run; the first problem found is the one reported. */
const checks: readonly Check[] = [
  tooShort, //       §3.1.1.2: at least 8 code points after normalization
  tooLong, //        above 128 refused, never truncated (§3.1.1.2 forbids truncation)
  commonPassword, // §3.1.1.2 blocklist: passwords from breach corpuses and common choices
  contextSpecific, // §3.1.1.2 blocklist: the person's names and email, the service, simple patterns
];

export function checkPassword(password: string, context: PasswordContext = {}): PasswordVerdict {
  // §3.1.1.2: normalize with NFKC before counting and comparing; hashing does the same (core/password-hash.ts).
  const normalized = password.normalize('NFKC');
  const candidate: Candidate = {
    codePoints: [...normalized].length,
    lower: normalized.toLowerCase(),
    folded: fold(normalized),
    context,
  };
  for (const check of checks) {
    const code = check(candidate);
    if (code) return { ok: false, code };
  }
  return { ok: true };
}

function tooShort(candidate: Candidate): PasswordProblem | undefined {
  return candidate.codePoints < minimumPasswordLength ? 'password_too_short' : undefined;
}

function tooLong(candidate: Candidate): PasswordProblem | undefined {
  return candidate.codePoints > maximumPasswordLength ? 'password_too_long' : undefined;
}

function commonPassword(candidate: Candidate): PasswordProblem | undefined {
  // A common password split by spaces ("i love you 123") is guessed just as fast.
  return isCommon(candidate.lower) || isCommon(withoutWhitespace(candidate.lower)) ? 'password_common' : undefined;
}

/**
 * §3.1.1.2 names "repetitive or sequential characters" and "context-specific words, such as the
 * name of the service, the username, and derivatives thereof". We take the context words out of the
 * password; whatever is left must still stand as a password on its own: long enough, not common,
 * not a simple pattern. So "carla2005" fails for Carla, and "Carla hikes the Andes at dawn" does not.
 */
function contextSpecific(candidate: Candidate): PasswordProblem | undefined {
  if (isSimplePattern(withoutWhitespace(candidate.folded))) return 'password_context';
  let rest = candidate.folded;
  for (const word of contextWords(candidate.context)) rest = rest.replaceAll(word, ' ');
  if (rest === candidate.folded) return undefined;
  const remainder = withoutWhitespace(rest);
  const weak = [...remainder].length < minimumPasswordLength || isCommon(remainder) || isSimplePattern(remainder);
  return weak ? 'password_context' : undefined;
}

/** Always context-specific: the product's and the service's own names. */
const serviceWords = ['puente', 'portal'];
/** Parts of names too short or too ordinary to say anything about the person ("María de los Ángeles"). */
const minimumWordLength = 3;
const ignoredWords = new Set(['del', 'las', 'los', 'the', 'and']);

function contextWords(context: PasswordContext): string[] {
  const email = context.email?.trim() ?? '';
  const localPart = email.includes('@') ? email.slice(0, email.lastIndexOf('@')) : email;
  const phrases = [email, localPart, context.practiceName, context.givenName, context.familyName, ...serviceWords];
  const words = new Set<string>();
  for (const phrase of phrases) {
    if (!phrase) continue;
    const folded = fold(phrase.trim());
    // The whole phrase, the phrase without spaces, and each of its words: "Clínica del Valle"
    // gives "clinica del valle", "clinicadelvalle", "clinica" and "valle".
    for (const word of [folded, withoutWhitespace(folded), ...folded.split(/[^\p{L}\p{N}]+/u)]) {
      if ([...word].length >= minimumWordLength && !ignoredWords.has(word)) words.add(word);
    }
  }
  // Longest first, so the whole email goes before the words inside it.
  return [...words].sort((a, b) => b.length - a.length);
}

/**
 * Repetitive or sequential (§3.1.1.2 examples "aaaaaa", "1234abcd"): a run of one character or of
 * consecutive characters ("aaaaaaaa", "lmnopqrs", "98765432", "78901234"), or a short unit
 * repeated ("abababab", "passpass"), or any run or common password repeated ("password1password1").
 */
function isSimplePattern(text: string): boolean {
  const points = [...text].map((c) => c.codePointAt(0)!);
  if (points.length === 0 || isRun(points)) return true;
  const period = repetitionPeriod(points);
  if (period === undefined) return false;
  const unit = points.slice(0, period);
  return period <= 4 || isRun(unit) || isCommon(String.fromCodePoint(...unit));
}

const isDigit = (point: number) => point >= 0x30 && point <= 0x39;

/** Every step the same: 0 (repetition), +1 or -1 (sequence); digit sequences wrap from 9 to 0. */
function isRun(points: readonly number[]): boolean {
  if (points.length < 2) return true;
  const digits = points.every(isDigit);
  const steps = points.slice(1).map((point, i) => {
    const difference = point - points[i]!;
    return digits ? (difference + 10) % 10 : difference;
  });
  const first = steps[0]!;
  return (digits ? [0, 1, 9] : [0, 1, -1]).includes(first) && steps.every((step) => step === first);
}

/** The shortest unit that, repeated at least twice, makes up the text; undefined if none. */
function repetitionPeriod(points: readonly number[]): number | undefined {
  for (let period = 1; period * 2 <= points.length; period += 1) {
    let repeats = true;
    for (let i = period; i < points.length && repeats; i += 1) repeats = points[i] === points[i - period];
    if (repeats) return period;
  }
  return undefined;
}

const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC').toLowerCase();
const withoutWhitespace = (text: string) => text.replace(/\s+/gu, '');

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * The shipped list (data/passwords/PROVENANCE.md): entries are NFKC, lowercased, at least 8 code
 * points. Read once, on first use, so importing this module costs nothing.
 */
function isCommon(lowercased: string): boolean {
  commonPasswords ??= new Set(
    readFileSync(new URL('../../data/passwords/common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.length > 0),
  );
  return commonPasswords.has(lowercased);
}
