// V8's heap growth while media playlists are made side by side. V8 starts a full collection from
// limits it sets at the last one: what that kept times a growing factor it picks from its own
// speeds, up to 4. A cold rendition's array buffers die old (13 MiB for a 2-hour film: the moov,
// the index, segment 1's source and output), and right after a burst of them a process of 15 MiB
// of heap held 114-154 MiB. A factor of 2 collects them sooner (101-122 MiB), but at 2 always a
// full collection fell inside most cold requests on their own, 8-11 ms each: so the factor is 2
// only while two or more playlists are made at once — a burst of cold films, where their buffers
// pile up — and V8's own (0) otherwise, so a player starting one film is not slowed
// (docs/benchmarks.md, "Cold path, thirteenth round").
import v8 from 'node:v8';

export const TIGHT_GROWTH = '--heap-growing-percent=100';
export const V8_OWN_GROWTH = '--heap-growing-percent=0';
const RENDITIONS_FOR_TIGHT = 2;

/**
 * What a serve process is told of the media playlists it makes at once (store-context.ts); null
 * when node's command line set the growth (the operator's: left as it is). node takes the flag
 * only there, not in NODE_OPTIONS; set at run time it applies from the next full collection.
 */
export function heapGrowthUnderLoad(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = v8.setFlagsFromString,
): ((running: number) => void) | null {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return null;
  let tight = false;
  return (running) => {
    if (running >= RENDITIONS_FOR_TIGHT === tight) return;
    tight = !tight;
    setFlags(tight ? TIGHT_GROWTH : V8_OWN_GROWTH);
  };
}
