// Subtitle cues in and WebVTT segments out (docs/tracks.md). In: a WebVTT file (W3C WebVTT §4),
// or SubRip (SRT) converted: its comma timestamps, its HTML entities and its basic markup
// (<i>, <b>, <u> kept; other tags and {\...} overrides dropped). Out: one WebVTT segment per media
// segment, with the X-TIMESTAMP-MAP that ties its cue times to the MPEG-TS timestamps
// (RFC 8216 §3.5). Bad input is a SubtitleFormatError (data), never a partial answer.

export class SubtitleFormatError extends Error {}

export interface Cue {
  /** Seconds on the film's presentation timeline. */
  readonly start: number;
  readonly end: number;
  /** WebVTT cue settings ("line:0 align:start"), or ''. */
  readonly settings: string;
  /** WebVTT cue text (escaped, with WebVTT tags only). */
  readonly text: string;
}

const MAX_CUES = 100_000;
const VTT_TIME = /^(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/;
const SRT_TIME = /^(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{3})$/;

function seconds(text: string, pattern: RegExp): number {
  const m = pattern.exec(text.trim());
  if (!m) throw new SubtitleFormatError(`bad timestamp '${text.trim().slice(0, 20)}'`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}

// Blocks separated by blank lines (W3C WebVTT §4.1; SRT the same).
const blocksOf = (text: string) =>
  text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((b) => b.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1))
    .filter((b) => b.length > 0 && b.some((line) => line.trim() !== ''));

function cueOf(lines: string[], pattern: RegExp, textOf: (lines: string[]) => string): Cue | null {
  const timing = lines.findIndex((line) => line.includes('-->'));
  if (timing < 0 || timing > 1) return null;
  const [from, rest] = lines[timing].split('-->');
  const [to, ...settings] = rest.trim().split(/\s+/);
  const start = seconds(from, pattern);
  const end = seconds(to, pattern);
  if (end < start) throw new SubtitleFormatError(`cue ends before it starts at ${from.trim()}`);
  return { start, end, settings: settings.join(' '), text: textOf(lines.slice(timing + 1)) };
}

function collect(blocks: string[][], toCue: (block: string[]) => Cue | null): Cue[] {
  const cues: Cue[] = [];
  for (const block of blocks) {
    const cue = toCue(block);
    if (cue) cues.push(cue);
    if (cues.length > MAX_CUES) throw new SubtitleFormatError(`more than ${MAX_CUES} cues`);
  }
  return cues.sort((a, b) => a.start - b.start);
}

export function parseWebVtt(text: string): Cue[] {
  const blocks = blocksOf(text);
  if (!/^WEBVTT([ \t].*)?$/.test(blocks[0]?.[0] ?? '')) throw new SubtitleFormatError('no WEBVTT header');
  // NOTE, STYLE and REGION blocks carry no cue (§4.1); the header block's own lines neither.
  return collect(blocks.slice(1), (b) => (/^(NOTE|STYLE|REGION)\b/.test(b[0]) ? null : cueOf(b, VTT_TIME, (l) => l.join('\n'))));
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const KEPT_TAG = /^<\/?(i|b|u)>$/i;

// SRT text as WebVTT cue text (W3C WebVTT §4.2.2: '&' and '<' escaped, tags of its own only).
export function srtText(lines: readonly string[]): string {
  const decoded = lines
    .join('\n')
    .replace(/\{\\[^}]*\}/g, '')
    .replace(/&(amp|lt|gt|quot|apos|nbsp);/g, (_, name: string) => ENTITIES[name]);
  return decoded
    .split(/(<\/?[A-Za-z][^<>]*>)/)
    .map((part, i) => {
      if (i % 2 === 1) return KEPT_TAG.test(part) ? part.toLowerCase() : '';
      return part.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    })
    .join('');
}

export function parseSrt(text: string): Cue[] {
  const blocks = blocksOf(text);
  if (blocks.length > 0 && !blocks.some((b) => b.some((line) => line.includes('-->')))) throw new SubtitleFormatError('no SRT cue');
  return collect(blocks, (b) => cueOf(b, SRT_TIME, srtText));
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function vttTime(s: number): string {
  const ms = Math.round(s * 1000);
  return `${pad(Math.floor(ms / 3_600_000), 2)}:${pad(Math.floor(ms / 60_000) % 60, 2)}:${pad(Math.floor(ms / 1000) % 60, 2)}.${pad(ms % 1000, 3)}`;
}

// One WebVTT segment: the cues showing during [from, to) seconds, at their own times, with LOCAL
// 0 mapped to `mpegts` (90 kHz): a player shows a cue at mpegts / 90000 + its time on the
// MPEG-TS timeline (RFC 8216 §3.5). A cue spanning a boundary is in both segments.
export function webVttSegment(cues: readonly Cue[], from: number, to: number, mpegts: number): string {
  const lines = ['WEBVTT', `X-TIMESTAMP-MAP=MPEGTS:${mpegts},LOCAL:00:00:00.000`, ''];
  for (const cue of cues) {
    if (cue.start >= to || cue.end <= from || cue.end === cue.start) continue;
    lines.push(`${vttTime(cue.start)} --> ${vttTime(cue.end)}${cue.settings ? ` ${cue.settings}` : ''}`, cue.text, '');
  }
  return `${lines.join('\n')}\n`;
}
