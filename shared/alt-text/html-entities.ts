/**
 * HTMLRewriter (lol-html) hands attribute values over exactly as written,
 * character references included (`title="Tea &amp; cake"` reads as
 * `Tea &amp; cake`), and escapes only `"` in values it writes. Labels, titles
 * and URLs are decoded here before use, and `&` is escaped again on output, so
 * the text a screen reader speaks is the text the author wrote.
 */
const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0',
  copy: '©', reg: '®', trade: '™', hellip: '…', mdash: '—', ndash: '–', middot: '·', bull: '•',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', euro: '€', pound: '£', yen: '¥', cent: '¢', deg: '°',
  times: '×', divide: '÷', sect: '§', para: '¶', iexcl: '¡', iquest: '¿', szlig: 'ß',
};

/** The Latin-1 letters by their entity names (`eacute` -> é, `Uuml` -> Ü ...). */
const ACCENTS: Record<string, string> = { grave: '\u0300', acute: '\u0301', circ: '\u0302', tilde: '\u0303', uml: '\u0308', ring: '\u030a', cedil: '\u0327' };
function accented(name: string): string | undefined {
  const match = /^([A-Za-z])(grave|acute|circ|tilde|uml|ring|cedil)$/.exec(name);
  if (!match) return undefined;
  const composed = (match[1]! + ACCENTS[match[2]!]!).normalize('NFC');
  return composed.length === 1 ? composed : undefined;
}

export function decodeAttribute(raw: string): string {
  return raw.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));?/g, (whole, dec?: string, hex?: string, name?: string) => {
    if (dec !== undefined || hex !== undefined) {
      const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED[name!] ?? accented(name!) ?? whole;
  });
}

/** A value for setAttribute: lol-html escapes `"` itself; `&` must be escaped here or `&lt;` in a caption would be read as `<`. */
export function encodeAttribute(text: string): string {
  return text.replaceAll('&', '&amp;');
}
