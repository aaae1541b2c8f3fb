// Where `rewrite-master --trick-play` gets the I-frame attributes of each casterpak rendition:
// from the casterpak the master is pointed at (its I-frame playlist for the bit rates, the
// rendition's own master.m3u8 for CODECS and RESOLUTION). Failures fall back to the estimate
// in master-rewrite.ts with one warning line, so the command still works offline.
import { oneLine, CasterpakError } from '../shared/errors.js';
import { parseMasterPlaylist } from '../formats/hls/codec.js';
import { readMediaPlaylist } from '../trick-play/scan-errors.js';
import { iframeBitrates, videoCodecs } from '../trick-play/iframe-variant.js';
import type { IFrameInfo } from './master-rewrite.js';
import { iframePlaylistPath, normalizeBaseUrl } from './variant-uri.js';
import { INDEX_PLAYLIST, MASTER_PLAYLIST } from '../cache/names.js';
import { fetchText } from './master-fetch.js';

// Looks up one rendition by its variant path (a `renditions` entry of rewriteMaster); throws when it cannot.
export type IFrameInfoResolver = (variantPath: string) => Promise<IFrameInfo>;

interface HttpResolverOptions {
  /** casterpak's base URL: the only host contacted */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** @default 16 MiB (a I-frame playlist of a long rendition) */ readonly maxBytes?: number;
}

export function httpIFrameInfoResolver(options: HttpResolverOptions): IFrameInfoResolver {
  const base = normalizeBaseUrl(options.baseUrl);
  const limits = { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes ?? 16 * 1024 * 1024, allowedOrigins: [new URL(base).origin] };
  return async (variantPath) => {
    const kfonly = await fetchText(new URL(base + iframePlaylistPath(variantPath)), limits);
    const playlist = readMediaPlaylist(kfonly.text);
    if (!playlist.isIFrame)
      throw new CasterpakError('BAD_PLAYLIST', `${kfonly.finalUrl.href}: not an I-frame playlist (no EXT-X-I-FRAMES-ONLY)`);
    const info: IFrameInfo = { bitrates: iframeBitrates(playlist) };
    // casterpak's per-rendition master knows the codecs a third-party master often leaves out.
    if (!variantPath.endsWith(`/${INDEX_PLAYLIST}`)) return info;
    const masterPath = variantPath.slice(0, -INDEX_PLAYLIST.length) + MASTER_PLAYLIST;
    try {
      const master = parseMasterPlaylist((await fetchText(new URL(base + masterPath), limits)).text);
      const variant = master.variants.find((candidate) => !candidate.isIFrameOnly);
      const codecs = videoCodecs(variant?.codecs ?? '');
      return { ...info, codecs: codecs === '' ? undefined : codecs, resolution: variant?.resolution };
    } catch {
      return info;
    }
  };
}

// Resolves every rendition at once; what fails is left out (rewriteMaster then estimates it)
// and reported in one line.
export async function resolveTrickPlay(
  renditions: readonly string[],
  resolver: IFrameInfoResolver,
  warn: (line: string) => void,
): Promise<Map<string, IFrameInfo>> {
  const results = await Promise.allSettled(renditions.map((path) => resolver(path)));
  const found = new Map<string, IFrameInfo>();
  const failed: string[] = [];
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') found.set(renditions[index], result.value);
    else failed.push(`${renditions[index]}: ${oneLine(result.reason)}`);
  });
  if (failed.length > 0) {
    warn(
      `warning: no I-frame playlist for ${failed.length} of ${renditions.length} renditions (${failed[0]}` +
        `${failed.length > 1 ? `; and ${failed.length - 1} more` : ''}); their I-frame bit rates are estimated from the variants' BANDWIDTH`,
    );
  }
  return found;
}
