// Issue #22's benchmark: a cold fMP4 segment (casterpak's own writing, no mp42hls run) beside a
// cold MPEG-TS segment (mp42hls) and nginx-vod-module's fMP4 and TS segments of the same time
// span. The cold bench's machinery (bench/cold.js) with its own cases (bench/lib/cold-rows.js
// fmp4Cases): fresh serve and rendition path per measurement, page cache dropped before each,
// interleaved, median of 7 (BENCH_COLD_RUNS). nginx-vod-module with `--vod <nginx>`.
import { bench as cold } from './cold.js';

export const bench = (ctx) => cold({ ...ctx, fmp4: true });
