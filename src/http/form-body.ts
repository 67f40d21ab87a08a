/**
 * Form bodies parsed by schema (ajv), one way for every router: each field the form declares comes out
 * as a string (or a list of strings), and anything else a browser or an attacker sent — a missing field,
 * a repeated one where one is expected, a value outside the field's pattern or choices, a value too
 * long — comes out as the empty string, which the service then refuses exactly as it refuses a blank
 * field. Undeclared fields are ignored. Passwords are taken as typed; other text is trimmed.
 */
import { Ajv, type ErrorObject } from 'ajv';

export interface FieldRule {
  /** false for secrets (passwords): taken exactly as typed. Default true. */
  readonly trim?: boolean;
  readonly maxLength?: number;
  /** The whole value must match (an anchored regular expression source). */
  readonly pattern?: string;
  /** The value must be one of these. */
  readonly oneOf?: readonly string[];
  /** A field that may repeat (checkboxes): always a list, each entry checked like a single value. */
  readonly list?: boolean;
}

export type FormValues<F extends Record<string, FieldRule>> = { readonly [K in keyof F]: F[K]['list'] extends true ? readonly string[] : string };

const ajv = new Ajv({ allErrors: true, strict: true });

const stringSchema = (rule: FieldRule) => ({
  type: 'string',
  ...(rule.maxLength !== undefined ? { maxLength: rule.maxLength } : {}),
  ...(rule.pattern !== undefined ? { pattern: rule.pattern } : {}),
  ...(rule.oneOf !== undefined ? { enum: [...rule.oneOf] } : {}),
});

/** The field a validation error is about: `/email` or `/scope/2` → `email`. */
const fieldOf = (error: ErrorObject) => error.instancePath.split('/')[1];

/**
 * Builds the parser of one form; call it once per router, then `parse(req.body)` per request. `check` also says
 * which fields were sent but refused, for a form where an emptied field would mean something (a list of people
 * to keep a conversation from: emptied, it would share it with everyone), so the whole change is refused instead.
 */
export function formBody<F extends Record<string, FieldRule>>(
  fields: F,
): { parse(body: unknown): FormValues<F>; check(body: unknown): { values: FormValues<F>; rejected: ReadonlySet<keyof F & string> } } {
  const properties = Object.fromEntries(Object.entries(fields).map(([name, rule]) => [name, rule.list ? { type: 'array', items: stringSchema(rule) } : stringSchema(rule)]));
  const validate = ajv.compile({ type: 'object', properties });
  const parser = {
    parse: (body: unknown) => parser.check(body).values,
    check(body: unknown) {
      const source = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const candidate: Record<string, unknown> = {};
      for (const [name, rule] of Object.entries(fields)) {
        if (!Object.hasOwn(source, name)) continue;
        const raw = source[name];
        const trim = (value: unknown) => (typeof value === 'string' && rule.trim !== false ? value.trim() : value);
        candidate[name] = rule.list ? (Array.isArray(raw) ? raw : [raw]).map(trim) : trim(raw);
      }
      const rejected = new Set<string>();
      if (!validate(candidate)) for (const error of validate.errors ?? []) rejected.add(fieldOf(error) ?? '');
      const values: Record<string, string | readonly string[]> = {};
      for (const [name, rule] of Object.entries(fields)) {
        const ok = Object.hasOwn(candidate, name) && !rejected.has(name);
        values[name] = rule.list ? (ok ? (candidate[name] as string[]) : []) : ok ? (candidate[name] as string) : '';
      }
      return { values: values as FormValues<F>, rejected: rejected as Set<keyof F & string> };
    },
  };
  return parser;
}
