// Line-level access to playlist text, for edits hls-parser cannot make without dropping or
// reordering what it does not model: every line keeps its own terminator (CRLF, LF or none).

export interface PlaylistLine {
  readonly text: string;
  /** '\r\n', '\n', '\r' or '' (the last line of a file without a final newline) */
  readonly eol: string;
}

export function splitLines(text: string): PlaylistLine[] {
  const lines: PlaylistLine[] = [];
  const pattern = /([^\r\n]*)(\r\n|\n|\r)/y;
  let at = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    lines.push({ text: match[1], eol: match[2] });
    at = pattern.lastIndex;
  }
  if (at < text.length) lines.push({ text: text.slice(at), eol: '' });
  return lines;
}

export function joinLines(lines: readonly PlaylistLine[]): string {
  return lines.map((line) => line.text + line.eol).join('');
}

// The terminator most lines use, for lines we add (a file's style is kept).
export function dominantEol(lines: readonly PlaylistLine[]): string {
  const crlf = lines.filter((line) => line.eol === '\r\n').length;
  const lf = lines.filter((line) => line.eol === '\n').length;
  return crlf > lf ? '\r\n' : '\n';
}

// `#EXT-X-NAME:attributes` → { tag: 'EXT-X-NAME', rest: 'attributes' }; null for URI lines,
// blank lines and comments (RFC 8216 §4.1: tags begin with #EXT, other # lines are comments).
export function tagOf(line: string): { tag: string; rest: string } | null {
  const match = /^#(EXT[A-Z0-9-]*)(?::(.*))?$/.exec(line);
  return match ? { tag: match[1], rest: match[2] ?? '' } : null;
}

export interface Attribute {
  readonly name: string;
  /** unquoted value */
  readonly value: string;
  readonly quoted: boolean;
  /** where the raw value (quotes included) sits in the attribute list */
  readonly start: number;
  readonly end: number;
}

// Attribute list (RFC 8216 §4.2): NAME=value pairs separated by commas; quoted strings may
// hold commas. Parsing stops at the first malformed pair (strict hls-parser rejects those).
export function parseAttributes(list: string): Attribute[] {
  const attributes: Attribute[] = [];
  const pair = /(\s*)([A-Z0-9-]+)=("[^"\r\n]*"|[^,]*)\s*(?:,|$)/y;
  while (pair.lastIndex < list.length) {
    const before = pair.lastIndex;
    const match = pair.exec(list);
    if (match === null || pair.lastIndex === before) break;
    const [, space, name, raw] = match;
    const start = match.index + space.length + name.length + 1;
    const quoted = raw.startsWith('"');
    attributes.push({ name, value: quoted ? raw.slice(1, -1) : raw.trim(), quoted, start, end: start + raw.length });
  }
  return attributes;
}

// Replaces one attribute's value in place; everything around it stays byte for byte.
export function replaceAttribute(list: string, attribute: Attribute, value: string): string {
  const raw = attribute.quoted ? `"${value}"` : value;
  return list.slice(0, attribute.start) + raw + list.slice(attribute.end);
}
