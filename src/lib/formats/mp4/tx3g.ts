// 3GPP timed text ('tx3g', ffmpeg's mov_text; 3GPP TS 26.245 §5.17): each sample is a u16
// big-endian text length, the text (UTF-8, or UTF-16 after a byte-order mark), then optional
// style boxes, which are dropped. An empty sample is a gap between cues.
import type { Cue } from '../hls/webvtt.js';
import { Mp4FormatError } from './errors.js';
import type { Track } from './moov.js';

// The text of one sample, escaped as WebVTT cue text (W3C WebVTT §4.2.2).
function tx3gText(sample: Uint8Array): string {
  if (sample.length < 2) throw new Mp4FormatError('tx3g sample shorter than its length field');
  const length = (sample[0] << 8) | sample[1];
  if (2 + length > sample.length) throw new Mp4FormatError(`tx3g text of ${length} bytes in a sample of ${sample.length}`);
  const bytes = sample.subarray(2, 2 + length);
  const utf16 = bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff;
  const text = new TextDecoder(utf16 ? 'utf-16be' : 'utf-8').decode(utf16 ? bytes.subarray(2) : bytes);
  return text.replace(/\r\n?/g, '\n').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// The cues of a tx3g track, given its samples' bytes in sample order.
export function tx3gCues(track: Track, samples: readonly Uint8Array[]): Cue[] {
  const { decodeTimes, durations } = track.samples;
  const cues: Cue[] = [];
  samples.forEach((sample, i) => {
    const text = tx3gText(sample).trim();
    if (text === '') return;
    const start = decodeTimes[i] / track.timescale;
    cues.push({ start, end: start + durations[i] / track.timescale, settings: '', text });
  });
  return cues;
}
