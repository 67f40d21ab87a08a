/**
 * A tiny XML tree and writer for the CCD: elements, attributes and text, nothing else. Every string is
 * escaped on the way out (names with accents, `<`, `&` and quotes survive), characters XML 1.0 forbids are
 * dropped, and an absent or empty attribute is left out: the document never carries `attr=""` (C-CDA says
 * to use nullFlavor for what is unknown, never an empty value).
 */

export interface XmlElement {
  readonly name: string;
  readonly attributes: readonly (readonly [string, string])[];
  readonly children: readonly XmlNode[];
}
export type XmlNode = XmlElement | string;
/** What `el` accepts as children: nodes, nothing (skipped) and nested lists (flattened). */
export type XmlChild = XmlNode | undefined | null | false | readonly XmlChild[];
export type XmlAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

function flatten(children: readonly XmlChild[], into: XmlNode[]): XmlNode[] {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (typeof child === 'string') {
      if (child !== '') into.push(child);
    } else if (Array.isArray(child)) flatten(child, into);
    else into.push(child as XmlElement);
  }
  return into;
}

/** An element; attributes that are undefined or '' are left out, children are flattened. */
export function el(name: string, attributes: XmlAttributes = {}, ...children: XmlChild[]): XmlElement {
  const kept: (readonly [string, string])[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    const text = String(value);
    if (text !== '') kept.push([key, text]);
  }
  return { name, attributes: kept, children: flatten(children, []) };
}

// XML 1.0 §2.2 Char: no C0 controls except tab, LF, CR; no U+FFFE/U+FFFF; no lone surrogates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML forbids; finding them is the point.
const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// One quick test first: most text needs no escaping at all.
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above, plus the characters markup reserves.
const mayNeedText = /[&<>\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above, plus the characters markup reserves in attributes.
const mayNeedAttribute = /[&<>"\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const textSpecial = /[&<>]/g;
const attributeSpecial = /[&<>"\t\n\r]/g;
const entities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
const replaceEntity = (c: string) => entities[c]!;

export const escapeText = (text: string): string => (mayNeedText.test(text) ? text.replace(forbidden, '').replace(textSpecial, replaceEntity) : text);
export const escapeAttribute = (text: string): string => (mayNeedAttribute.test(text) ? text.replace(forbidden, '').replace(attributeSpecial, replaceEntity) : text);

function write(node: XmlElement, indent: string): string {
  let out = `<${node.name}`;
  for (const [key, value] of node.attributes) out += ` ${key}="${escapeAttribute(value)}"`;
  if (node.children.length === 0) return `${out}/>`;
  out += '>';
  // Element-only content is indented for people reading the file; mixed content (narrative) is written as is,
  // so no whitespace is added to what a reader sees.
  const elementOnly = node.children.every((child) => typeof child !== 'string');
  const inner = `${indent}  `;
  for (const child of node.children) {
    if (typeof child === 'string') out += escapeText(child);
    else if (elementOnly) out += `\n${inner}${write(child, inner)}`;
    else out += write(child, '');
  }
  if (elementOnly) out += `\n${indent}`;
  return `${out}</${node.name}>`;
}

/** The document as UTF-8 XML text with its declaration. */
export function serializeXml(root: XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${write(root, '')}\n`;
}
