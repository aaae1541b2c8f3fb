// Runs the real mp42hls with its own I-frame index (HLS v4) into a temp dir: Bento4 records
// each key frame's offset and size while it writes the TS, the oracle for the kfonly scanner.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildMp42hlsArgs, RAW_IFRAMES, RAW_PLAYLIST } from '../../src/lib/packaging/mp42hls-args.js';
import { media, REAL_MP42HLS } from './bento4.js';
import { tempDir } from './temp-dir.js';

interface Bento4IFrame {
  readonly uri: string;
  readonly duration: number;
  readonly offset: number;
  readonly length: number;
}

interface Bento4Output {
  readonly dir: string;
  readonly playlist: string;
  readonly iframes: Bento4IFrame[];
}

// Bento4's iframes playlist read line by line: its TARGETDURATION can be invalid (docs/trick-play.md),
// so it is not given to the strict parser.
function readBento4IFrames(text: string): Bento4IFrame[] {
  const entries: Bento4IFrame[] = [];
  let duration = Number.NaN;
  let range: [number, number] | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-BYTERANGE:')) {
      const [length, offset] = line.slice(17).split('@').map(Number);
      range = [length!, offset!];
    } else if (line !== '' && !line.startsWith('#')) {
      if (range === null) throw new Error(`no BYTERANGE before ${line}`);
      entries.push({ uri: line, duration, length: range[0], offset: range[1] });
      range = null;
    }
  }
  return entries;
}

// `fixture`: a name in test/fixtures/media, or an absolute path.
export function runMp42hlsWithIFrames(fixture: string, segmentDuration = 4): Bento4Output {
  const dir = tempDir('casterpak-b4-');
  execFileSync(
    REAL_MP42HLS,
    buildMp42hlsArgs({ source: path.isAbsolute(fixture) ? fixture : media(fixture), outDir: dir, segmentDuration, iframeIndex: true }),
    {
      stdio: 'ignore',
      timeout: 20_000,
    },
  );
  return {
    dir,
    playlist: path.join(dir, RAW_PLAYLIST),
    iframes: readBento4IFrames(readFileSync(path.join(dir, RAW_IFRAMES), 'utf8')),
  };
}
