// A small ladder for the 320x180 fixtures (tiny encodes keep the unit suite fast) and the
// requests the derived-rendition tests share.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigInput } from '../../../../src/lib/config/schema.js';
import type { TestOrigin } from '../../../helpers/origin.js';

// maxRate and bufSize as the ladder's defaults make them: 1.2 × the average, 2 × maxRate.
export const TEST_LADDER = {
  '144p': { height: 144, videoBitrate: '150k', profile: 'main', level: '3.0' },
  '90p': { height: 90, videoBitrate: '80k', profile: 'baseline', level: '3.0' },
} as const;

// Without read-ahead, so a test sees exactly the transcodes its requests made.
export const DERIVED_CONFIG: ConfigInput = { renditions: { ladder: TEST_LADDER }, serve: { readAhead: 0 } };

export async function fetchOk(t: TestOrigin, pathname: string): Promise<Uint8Array> {
  const response = await t.get(pathname);
  const body = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`${pathname}: ${response.status} ${new TextDecoder().decode(body)}`);
  return body;
}

export async function fetchText(t: TestOrigin, pathname: string): Promise<string> {
  return new TextDecoder().decode(await fetchOk(t, pathname));
}

// The EXTINF durations of a media playlist, as written.
export function extinfs(playlist: string): string[] {
  return playlist.split('\n').filter((line) => line.startsWith('#EXTINF:'));
}

export function segmentPath(rendition: string, n: number): string {
  return `/i/${rendition}/segment${n}_0_av.ts`;
}

// Transcodes the origin counted (casterpak_packaging_runs_total{what="transcode"}), by outcome,
// once it is quiet: a transcoded segment is answered while it is committed.
export async function transcodeRuns(t: TestOrigin, outcome?: string): Promise<number> {
  await t.settled();
  const { values } = await t.origin.metrics.packagingRuns.get();
  return values
    .filter((v) => v.labels.what === 'transcode' && (outcome === undefined || v.labels.outcome === outcome))
    .reduce((sum, v) => sum + v.value, 0);
}

// Writes `bytes` as `name` in `dir` and returns the file (ffprobe and ffmpeg read files).
export function saveAs(dir: string, name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

// Fisher–Yates with a fixed linear congruential generator: a shuffled order that is the same on every run.
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
