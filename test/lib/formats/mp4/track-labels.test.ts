// Track languages and the default flag read from the moov agree with ffprobe's language tags and
// default dispositions, on the fixture with three audio tracks and a subtitle track.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { readBoxHeader } from '../../../../src/lib/formats/mp4/boxes.js';
import { media } from '../../../helpers/bento4.js';

function moovOf(file: string): Uint8Array {
  const bytes = readFileSync(file);
  for (let at = 0; at < bytes.length;) {
    const header = readBoxHeader(bytes, at);
    if (header.type === 'moov') return bytes.subarray(at, at + header.size);
    at += header.size;
  }
  throw new Error('no moov');
}

describe('track labels', () => {
  it('match ffprobe on tracks.mp4', () => {
    const file = media('tracks.mp4');
    const out = execFileSync('ffprobe', [
      '-v',
      'error',
      '-of',
      'json',
      '-show_entries',
      'stream=index:stream_tags=language:stream_disposition=default',
      file,
    ]);
    const streams = (JSON.parse(out.toString()) as { streams: { tags?: { language?: string }; disposition: { default: number } }[] })
      .streams;
    const movie = parseMoov(moovOf(file));
    expect(movie.tracks.map((t) => [t.language, t.enabled])).toEqual(
      streams.map((s) => [s.tags?.language ?? 'und', s.disposition.default === 1]),
    );
  });
});
