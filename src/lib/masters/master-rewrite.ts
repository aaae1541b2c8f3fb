// Points a third-party master playlist (e.g. Kaltura's playManifest) at casterpak: the URIs of
// casterpak renditions get casterpak's base URL, optionally each casterpak video variant gets
// an EXT-X-I-FRAME-STREAM-INF for its I-frame playlist, and the ladder's derived renditions
// are added (master-ladder.ts; they get no I-frame variant: docs/renditions.md). Works line by line so that every tag,
// attribute order, comment, unknown tag, blank line and line ending passes through unchanged;
// hls-parser (strict, through master-check/codec) validates the input and the output.
import { assertMasterPlaylist } from './master-check.js';
import { videoCodecs, type IFrameBitrates } from '../trick-play/iframe-variant.js';
import { iframeStreamInfLine } from './stream-inf.js';
import {
  dominantEol,
  joinLines,
  parseAttributes,
  replaceAttribute,
  splitLines,
  tagOf,
  type Attribute,
  type PlaylistLine,
} from '../formats/hls/playlist-lines.js';
import { decideUri, isIFrameOf, iframePlaylistPath, normalizeBaseUrl, type VariantUriRules } from './variant-uri.js';
import { ladderAdditions, resolutionOf, type LadderPlan, type VideoVariant } from './master-ladder.js';
import type { Size } from '../renditions/ladder-plan.js';

// What the caller knows about one rendition's I-frame playlist (pure core: data, not I/O).
export interface IFrameInfo {
  readonly bitrates: IFrameBitrates;
  /** video-only CODECS, when the caller knows better than the variant's own CODECS */
  readonly codecs?: string;
  readonly resolution?: { readonly width: number; readonly height: number };
}

export interface RewriteMasterOptions {
  /** the master's own URL (after redirects); relative URIs resolve against it. null: unknown */
  readonly masterUrl: URL | null;
  /** casterpak's public base URL, e.g. https://casterpak.example.com; '' writes path-absolute URIs */
  readonly baseUrl: string;
  /** a URI is casterpak's when its path matches one of these (config `rewrite.pathPatterns`) */
  readonly pathPatterns: readonly RegExp[];
  /** …and its host is listed here; empty: any host (config `rewrite.hosts`) */
  readonly hosts: readonly string[];
  /** adds I-frame variants; keyed by `renditions` entries; missing ones are estimated */
  readonly trickPlay?: ReadonlyMap<string, IFrameInfo>;
  /** adds the ladder's profiles below the master's tallest casterpak rendition */
  readonly ladder?: LadderPlan;
  /** names the input in error messages @default 'master playlist' */
  readonly source?: string;
}

export interface RewriteMasterResult {
  readonly text: string;
  /** URIs now pointing at casterpak */
  readonly rewritten: number;
  /** paths of the casterpak video variants (e.g. /i/x.mp4/index_0_av.m3u8), once each, in order */
  readonly renditions: string[];
  /** EXT-X-I-FRAME-STREAM-INF lines added */
  readonly iframeVariants: number;
  /** renditions whose I-frame bit rates were estimated because `trickPlay` had no entry */
  readonly estimated: string[];
  /** relative URIs left as they were: no master URL to resolve them against */
  readonly unresolved: string[];
  /** with `ladder`: the derived renditions added (profile names), their source variant's path,
   *  and why none were added (null when some were) */
  readonly ladder?: { readonly profiles: readonly string[]; readonly source: string | null; readonly skipped: string | null };
}

const AUDIO_CODEC = /^(mp4a|ac-3|ec-3|ac-4|opus|flac|fLaC|alac|mp3|dts[a-z]?)(\.|$)/;
const URI_TAGS = new Set(['EXT-X-MEDIA', 'EXT-X-I-FRAME-STREAM-INF']);

// Without the I-frame playlist at hand: AVERAGE-BANDWIDTH = 1/10 of the variant's average (or
// peak) bit rate, BANDWIDTH = 1/5 of its peak. Key frames every 2 s measured 5–6 % of the bytes
// on the test fixtures; real pictures carry more. Overstating only makes players pick a lower one.
export function estimateIFrameBitrates(bandwidth: number, averageBandwidth?: number): IFrameBitrates {
  return { peak: Math.ceil(bandwidth / 5), average: Math.ceil((averageBandwidth ?? bandwidth) / 10) };
}

export function rewriteMaster(text: string, options: RewriteMasterOptions): RewriteMasterResult {
  const source = options.source ?? 'master playlist';
  assertMasterPlaylist(text, source);
  const rules: VariantUriRules = {
    masterUrl: options.masterUrl,
    baseUrl: normalizeBaseUrl(options.baseUrl),
    pathPatterns: options.pathPatterns,
    // `https://onprem.rfa.org` in a host list means its host, not nothing.
    hosts: options.hosts.map((host) => (host.includes('://') ? new URL(host).host : host).toLowerCase()),
  };
  const lines = splitLines(text);
  const out: PlaylistLine[] = [...lines];
  const videos: VideoVariant[] = [];
  const iframePaths: string[] = [];
  const unresolved: string[] = [];
  const rungs: Size[] = []; // every variant's picture, casterpak's or not
  let rewritten = 0;
  let streamInf: Attribute[] | null = null;

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const trimmed = line.text.trim();
    if (trimmed === '') continue;
    const tag = tagOf(trimmed);
    if (tag !== null) {
      if (tag.tag === 'EXT-X-STREAM-INF') streamInf = parseAttributes(tag.rest);
      const uri = URI_TAGS.has(tag.tag) ? parseAttributes(tag.rest).find((attribute) => attribute.name === 'URI') : undefined;
      if (uri === undefined) continue;
      const decision = decideUri(uri.value, rules);
      if (decision.kind === 'casterpak') rewritten++;
      if (decision.kind === 'unresolved') unresolved.push(uri.value);
      else if (tag.tag === 'EXT-X-I-FRAME-STREAM-INF' && decision.path !== null) iframePaths.push(decision.path);
      if (decision.uri !== uri.value) {
        const restAt = line.text.indexOf(trimmed) + trimmed.length - tag.rest.length;
        const text = line.text.slice(0, restAt) + replaceAttribute(tag.rest, uri, decision.uri) + line.text.slice(restAt + tag.rest.length);
        out[index] = { ...line, text };
      }
      continue;
    }
    if (trimmed.startsWith('#') || streamInf === null) continue;
    // The URI line of the last EXT-X-STREAM-INF (RFC 8216 §4.3.4.2).
    const attributes = streamInf;
    streamInf = null;
    const size = resolutionOf(attributes);
    if (size !== null) rungs.push(size);
    const decision = decideUri(trimmed, rules);
    if (decision.kind === 'unresolved') unresolved.push(trimmed);
    if (decision.uri !== trimmed) {
      const at = line.text.indexOf(trimmed);
      out[index] = { ...line, text: line.text.slice(0, at) + decision.uri + line.text.slice(at + trimmed.length) };
    }
    if (decision.kind === 'casterpak') {
      rewritten++;
      if (isVideo(attributes)) videos.push({ line: index, path: decision.path, uri: decision.uri, attributes });
    }
  }

  const renditions = [...new Set(videos.map((video) => video.path))];
  // One I-frame variant per rendition (several variants may share one video with different
  // audio groups), none where the master already has one.
  const targets =
    options.trickPlay === undefined
      ? []
      : renditions
          .filter((path) => !iframePaths.some((iframe) => isIFrameOf(iframe, path)))
          .map((path) => videos.find((video) => video.path === path)!);
  const ladder = options.ladder === undefined ? undefined : ladderAdditions(videos, rungs, options.ladder, rules.baseUrl);
  const eol = dominantEol(lines);
  const added = new Map<number, string[]>();
  for (const video of targets) added.set(video.line, [iframeLine(video, options.trickPlay?.get(video.path), rules.baseUrl)]);
  for (const [line, texts] of ladder?.additions ?? []) added.set(line, [...(added.get(line) ?? []), ...texts]);
  // Bottom up, so that the line numbers of the variants still to do stay valid.
  for (const line of [...added.keys()].sort((a, b) => b - a)) {
    const uriLine = out[line];
    const texts = added.get(line)!;
    out.splice(
      line,
      1,
      { ...uriLine, eol: uriLine.eol || eol },
      ...texts.map((text, i) => ({ text, eol: i === texts.length - 1 ? uriLine.eol : eol })),
    );
  }

  const result = joinLines(out);
  assertMasterPlaylist(result, `${source} (rewritten)`);
  return {
    text: result,
    rewritten,
    renditions,
    iframeVariants: targets.length,
    estimated: targets.filter((video) => !options.trickPlay?.has(video.path)).map((video) => video.path),
    unresolved,
    ...(ladder ? { ladder: { profiles: ladder.profiles, source: ladder.source, skipped: ladder.skipped } } : {}),
  };
}

function attribute(attributes: readonly Attribute[], name: string): string | undefined {
  return attributes.find((candidate) => candidate.name === name)?.value;
}

// A variant with pictures: a video codec in CODECS, or a RESOLUTION and not only audio codecs.
function isVideo(attributes: readonly Attribute[]): boolean {
  const codecs = attribute(attributes, 'CODECS');
  if (codecs !== undefined) {
    if (videoCodecs(codecs) !== '') return true;
    if (codecs.split(',').every((codec) => AUDIO_CODEC.test(codec.trim()))) return false;
  }
  return attribute(attributes, 'RESOLUTION') !== undefined;
}

function iframeLine(video: VideoVariant, info: IFrameInfo | undefined, baseUrl: string): string {
  const bandwidth = Number(attribute(video.attributes, 'BANDWIDTH') ?? 0);
  const average = attribute(video.attributes, 'AVERAGE-BANDWIDTH');
  const bitrates = info?.bitrates ?? estimateIFrameBitrates(bandwidth, average === undefined ? undefined : Number(average));
  const codecs = info?.codecs ?? videoCodecs(attribute(video.attributes, 'CODECS') ?? '');
  const size = /^(\d+)x(\d+)$/.exec(attribute(video.attributes, 'RESOLUTION') ?? '');
  const resolution = info?.resolution ?? (size ? { width: Number(size[1]), height: Number(size[2]) } : undefined);
  // Same query as the variant (tokens, session ids): only the path gains the kfonly tag.
  const rest = video.uri.slice(baseUrl.length + video.path.length);
  return iframeStreamInfLine({
    bandwidth: bitrates.peak,
    averageBandwidth: bitrates.average,
    codecs: codecs === '' ? undefined : codecs,
    resolution,
    uri: baseUrl + iframePlaylistPath(video.path) + rest,
  });
}
