import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Reason } from '../../http/refusal.js';

/** A push that is not the XML WeChat sends: the message for the log, the reason for the refusal, in locales/. */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly reason: Reason,
  ) {
    super(message);
    this.name = 'XmlError';
  }
}

/** A pushed message as the flat fields WeChat sends; nested elements (e.g. ScanCodeInfo) are left out. */
export type WechatFields = Record<string, string>;

/*
 * Entities and DTDs are never expanded: a message push has no use for them, and an internal subset is
 * how billion-laughs and external-entity attacks begin. A document with a DOCTYPE or ENTITY declaration is
 * refused before the parser sees it; entity processing is off besides, and the five predefined entities
 * and character references are decoded here in one pass, which cannot expand into more than one
 * character each.
 */
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // CDATA kept apart from text, so that "&amp;" typed by a user (sent inside CDATA) stays as typed.
  cdataPropName: '#cdata',
  maxNestedTags: 16,
});

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function decodeReferences(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/g, (whole, name: string) => {
    if (!name.startsWith('#')) return PREDEFINED[name] ?? whole;
    const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}

/** Parses a pushed `<xml>...</xml>` document into its top-level text fields; refuses anything else. */
export function parseWechatXml(xml: string): WechatFields {
  // Looked for outside CDATA only: a user may well type "<!DOCTYPE html>" into a message.
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '')))
    throw new XmlError('DTDs and entity declarations are not accepted', { key: 'ui:refusals.wechat.xml.dtd' });
  let root: unknown;
  try {
    const valid = XMLValidator.validate(xml);
    if (valid !== true)
      throw new XmlError(`malformed XML at line ${valid.err.line}: ${valid.err.code}`, { key: 'ui:refusals.wechat.xml.malformedAt', params: { line: valid.err.line } });
    root = (parser.parse(xml) as Record<string, unknown>).xml;
  } catch (err) {
    throw err instanceof XmlError ? err : new XmlError('malformed XML', { key: 'ui:refusals.wechat.xml.malformed' });
  }
  if (root === undefined || root === null || typeof root !== 'object' || Array.isArray(root))
    throw new XmlError('the document is not a single <xml> element', { key: 'ui:refusals.wechat.xml.notOneRoot' });
  const fields: WechatFields = {};
  for (const [name, value] of Object.entries(root)) {
    if (Array.isArray(value)) throw new XmlError(`<${name}> appears more than once`, { key: 'ui:refusals.wechat.xml.repeated', params: { name } });
    if (typeof value === 'string') fields[name] = decodeReferences(value);
    else if (value && typeof value === 'object' && '#cdata' in value) {
      if ('#text' in value) throw new XmlError(`<${name}> mixes text and CDATA`, { key: 'ui:refusals.wechat.xml.mixed', params: { name } });
      const sections = (value as { '#cdata': unknown })['#cdata'];
      fields[name] = (Array.isArray(sections) ? sections : [sections]).map(String).join('');
    }
  }
  return fields;
}

/** Text as CDATA; a "]]>" inside is split across two sections, the standard way to carry it. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}
