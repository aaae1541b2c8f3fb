// The one writer of a variant's attributes: EXT-X-STREAM-INF (RFC 8216 §4.3.4.2) and
// EXT-X-I-FRAME-STREAM-INF (§4.3.4.3), for the masters casterpak builds, the ones it rewrites
// and the ladder's variants it adds to them. Values in the RFC's forms (§4.2): integers,
// quoted strings, WIDTHxHEIGHT, a decimal frame rate; attributes in the RFC's order.
import type { Attribute } from '../formats/hls/playlist-lines.js';

interface VariantAttributes {
  /** peak segment bit rate, bits/s */
  readonly bandwidth: number;
  readonly averageBandwidth?: number;
  /** comma-separated; empty: left out */
  readonly codecs?: string;
  readonly resolution?: { readonly width: number; readonly height: number };
  /** frames per second; 0: left out */
  readonly frameRate?: number;
  /** GROUP-IDs of the EXT-X-MEDIA renditions played with it (§4.3.4.2 AUDIO, SUBTITLES). */
  readonly audio?: string;
  readonly subtitles?: string;
  readonly closedCaptions?: 'NONE';
}

export interface IFrameStreamInfAttributes extends VariantAttributes {
  readonly uri: string;
}

// The attributes' names and written values, in the order they are written.
function variantValues(attrs: VariantAttributes): Map<string, string> {
  const values = new Map([['BANDWIDTH', String(Math.round(attrs.bandwidth))]]);
  if (attrs.averageBandwidth !== undefined) values.set('AVERAGE-BANDWIDTH', String(Math.round(attrs.averageBandwidth)));
  if (attrs.codecs) values.set('CODECS', `"${attrs.codecs}"`);
  if (attrs.resolution) values.set('RESOLUTION', `${attrs.resolution.width}x${attrs.resolution.height}`);
  if (attrs.frameRate) values.set('FRAME-RATE', attrs.frameRate.toFixed(3));
  if (attrs.audio) values.set('AUDIO', `"${attrs.audio}"`);
  if (attrs.subtitles) values.set('SUBTITLES', `"${attrs.subtitles}"`);
  if (attrs.closedCaptions) values.set('CLOSED-CAPTIONS', attrs.closedCaptions);
  return values;
}

const joined = (values: ReadonlyMap<string, string>) => [...values].map(([name, value]) => `${name}=${value}`).join(',');

export function streamInfLine(attrs: VariantAttributes): string {
  return `#EXT-X-STREAM-INF:${joined(variantValues(attrs))}`;
}

// URI last, after the attributes it shares with EXT-X-STREAM-INF.
export function iframeStreamInfLine(attrs: IFrameStreamInfAttributes): string {
  return `#EXT-X-I-FRAME-STREAM-INF:${joined(variantValues(attrs).set('URI', `"${attrs.uri}"`))}`;
}

// Another variant's EXT-X-STREAM-INF with `attrs` in place of its values: its other attributes
// (AUDIO, SUBTITLES, CLOSED-CAPTIONS, SCORE, …) keep their place and value; those `attrs` lacks
// among the replaced ones (`replaced`) are dropped, those it adds follow. `omit` are not copied.
export function streamInfOver(
  source: readonly Attribute[],
  attrs: VariantAttributes,
  replaced: readonly string[],
  omit: ReadonlySet<string> = new Set(),
): string {
  const values = variantValues(attrs);
  const parts: string[] = [];
  for (const a of source) {
    if (omit.has(a.name)) continue;
    const value = values.get(a.name);
    values.delete(a.name);
    if (value === undefined && replaced.includes(a.name)) continue;
    parts.push(`${a.name}=${value ?? (a.quoted ? `"${a.value}"` : a.value)}`);
  }
  return `#EXT-X-STREAM-INF:${[...parts, ...(values.size > 0 ? [joined(values)] : [])].join(',')}`;
}
