// A movie's samples put on the timeline a player presents them on, decided once when the moov is
// read so that the segment cut, the playlist's durations, the extracts' decode times, audio
// renditions and subtitle cues all share it (docs/architecture.md, "The presentation timeline").
// Per track, as ISO/IEC 14496-12 §8.6.6 and players apply an edit list: a sample is presented at
// (decode time + composition offset − the first edit's media_time) + the initial empty edits.
// MPEG-TS has no edit list, so the decode times move instead: by (empty edits − media_time), and
// by the most negative composition offset (`ctts` version 1), which is added to every composition
// offset so that no sample is presented before it is decoded. A common offset for the video and
// audio tracks then keeps the earliest decode time at 0, never below.
import type { Movie, Track } from '../moov.js';
import { offsetRange, withTimes } from '../sample-tables.js';

interface TrackShift {
  /** Added to every decode time, in track timescale units, before the common offset. */
  readonly decode: number;
  /** Added to every composition offset (and taken from the decode times), ≥ 0. */
  readonly composition: number;
}

function ownShift(movie: Movie, track: Track): TrackShift {
  const composition = -offsetRange(track.samples).lowest;
  const edits = track.edits;
  const empty = edits ? Math.round((edits.emptyDuration * track.timescale) / movie.timescale) : 0;
  return { decode: empty - (edits?.mediaTime ?? 0) - composition, composition };
}

// The tracks a stream carries (video and audio) decide and take the common offset; a timed-text
// or timecode track with an odd edit list does not move the film, and keeps presentation times
// (cues count from presentation time 0, which the subtitle playlists map onto the stream's).
const timed = (track: Track): boolean => (track.handler === 'vide' || track.handler === 'soun') && track.samples.count > 0;

function shifted(track: Track, decode: number, composition: number): Track {
  if (decode === 0 && composition === 0) return track;
  // Decoded moved when first read (a media playlist's plan reads none of them whole).
  return { ...track, samples: withTimes(track.samples, { decodeEnd: track.samples.decodeEnd + decode, decode, composition }) };
}

// The movie itself when nothing moves (no edit list, an identity one, no negative composition
// offset): its extracts and segments stay byte for byte what they were. A fragmented movie's
// samples are in its moofs, not here: it is returned as it is.
export function onPresentationTimeline(movie: Movie): Movie {
  if (movie.fragmented) return movie;
  const shifts = movie.tracks.map((track) => ownShift(movie, track));
  // The common offset, in seconds as a fraction: the track that would start most below 0.
  let common = { ticks: 0, timescale: 1 };
  movie.tracks.forEach((track, i) => {
    const below = -shifts[i].decode;
    if (timed(track) && below / track.timescale > common.ticks / common.timescale) common = { ticks: below, timescale: track.timescale };
  });
  const tracks = movie.tracks.map((track, i) => {
    // The nearest tick (half a tick off at most, 0.8 ms at the coarsest timescale, 600), never
    // rounded below the track's own 0.
    if (!timed(track)) return shifted(track, shifts[i].decode, shifts[i].composition);
    const nearest = Math.round((common.ticks * track.timescale) / common.timescale);
    return shifted(track, shifts[i].decode + Math.max(nearest, -shifts[i].decode), shifts[i].composition);
  });
  return tracks.every((t, i) => t === movie.tracks[i]) ? movie : { ...movie, tracks };
}
