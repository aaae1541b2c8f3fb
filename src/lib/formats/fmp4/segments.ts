// fMP4 (CMAF) segments of one track, written by casterpak from the source's moov and sample bytes
// (docs/formats.md, "fMP4 and DASH"): an init segment (ftyp + moov with the source track's boxes,
// its stsd bytes, tkhd display matrix and mdhd timescale unchanged, and mvex/trex) and media
// segments (styp + moof + mdat) holding the source's samples unchanged, with their decode and
// composition times (ISO/IEC 14496-12 §8.8; ISO/IEC 23000-19 for the CMAF brands). `track` is the
// moved movie's (mp4/timeline/presentation.ts): its times are the MPEG-TS form's, so the init
// segment keeps no edit list (buildExtractMoov drops it; docs/formats.md, "One timeline for every form").
import { ascii, box, concat, fullBox, uint32 } from '../mp4/box-writer.js';
import { Mp4FormatError } from '../mp4/errors.js';
import type { Movie, Track } from '../mp4/moov.js';
import { buildExtractMoov } from '../mp42hls/extract-moov.js';
import { descriptionIndexOf, sliceOf, traf } from '../mp42hls/extract.js';
import type { SampleRange } from '../mp42hls/segment-plan.js';

// ftyp (§4.3): major brand iso6 (tfdt v1, default-base-is-moof), compatible with CMAF's cmfc.
export function buildInitSegment(moovBytes: Uint8Array, movie: Movie, track: Track): Uint8Array {
  const ftyp = box('ftyp', [ascii('iso6'), uint32(0), ascii('iso6'), ascii('cmfc'), ascii('isom'), ascii('mp41')]);
  return concat([ftyp, buildExtractMoov(moovBytes, movie, [{ track, descriptionIndex: descriptionIndexOf(track) }])]);
}

// styp (§8.16.2) brands: msdh (a media segment), msix (indexable), cmfs (a CMAF segment).
const STYP = box('styp', [ascii('msdh'), uint32(0), ascii('msdh'), ascii('msix'), ascii('cmfs')]);

// Bytes before a media segment's first sample: styp, a moof of `samples` trun entries, the mdat
// header (mfhd 16, tfhd 16, tfdt 20, trun 20 + 16 per sample, traf and moof headers 8 each).
export function mediaSegmentHeaderBytes(samples: number): number {
  return STYP.length + 8 + 16 + 8 + 16 + 20 + 20 + 16 * samples + 8;
}

// Media segment `sequence` (1-based, the mfhd sequence_number, §8.8.5) of one track: the samples
// of `range`, copied out of `span.bytes` (file bytes from `span.start`).
export function buildMediaSegment(
  track: Track,
  range: SampleRange,
  sequence: number,
  span: { readonly start: number; readonly bytes: Uint8Array },
): Uint8Array {
  if (range.end <= range.start) throw new Mp4FormatError(`track ${track.id} has no samples in segment ${sequence}`);
  const slice = sliceOf(track, range);
  let payload = 0;
  for (let i = 0; i < slice.sizes.length; i++) payload += slice.sizes[i];
  const mdatSize = 8 + payload;
  if (mdatSize > 0xffffffff) throw new Mp4FormatError('a segment holds more than 4 GB');
  // The data offset counts from the moof's first byte: the moof's size does not depend on it.
  const draft = box('moof', [fullBox('mfhd', 0, 0, [uint32(sequence)]), traf(slice, 0, false)]);
  const moof = box('moof', [fullBox('mfhd', 0, 0, [uint32(sequence)]), traf(slice, draft.length + 8, false)]);
  const out = new Uint8Array(STYP.length + moof.length + mdatSize);
  out.set(concat([STYP, moof, uint32(mdatSize), ascii('mdat')]));
  let at = STYP.length + moof.length + 8;
  for (let i = 0; i < slice.sizes.length; i++) {
    const from = slice.offsets[i] - span.start;
    if (from < 0 || from + slice.sizes[i] > span.bytes.length)
      throw new Mp4FormatError(`sample at ${slice.offsets[i]} lies outside the span read`);
    out.set(span.bytes.subarray(from, from + slice.sizes[i]), at);
    at += slice.sizes[i];
  }
  return out;
}
