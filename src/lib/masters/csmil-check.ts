// What a `.csmil` master's renditions must share for a player to switch between them: the
// same presentation length, the same frame rate and the same audio. RFC 8216 §6.2.4: every
// variant stream presents the same content, with matching timestamps. Players that
// load a variant of another length report another duration, and one without audio (or with
// another audio codec) stalls or goes silent on a switch. Compared with the first rendition
// listed, whose place the others take.

export interface CsmilMember {
  readonly renditionPath: string;
  readonly durationMs: number;
  readonly frameRate?: number; // absent: no video
  readonly audio?: string; // the audio CODECS entry (mp4a.40.2, ac-3, …); absent: no audio
}

interface CsmilMismatch {
  readonly rendition: string;
  readonly comparedWith: string;
  readonly differs: string; // e.g. "duration 8.0 s, not 12.0 s; frame rate 29.970, not 25.000"
}

// Encodings of one film differ by a few audio frames and an encoder's priming: half a second
// is more than that and less than any segment.
export const DURATION_TOLERANCE_MS = 500;
// 29.97 against 30 is a real difference (a frame of drift every 33 s); rounding in the moov is not.
const FRAME_RATE_TOLERANCE = 0.01;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rate = (fps: number | undefined) => (fps === undefined ? 'no video' : fps.toFixed(3));

export function csmilMismatches(members: readonly CsmilMember[]): CsmilMismatch[] {
  const [first, ...others] = members;
  if (!first) return [];
  const found: CsmilMismatch[] = [];
  for (const member of others) {
    const differs: string[] = [];
    if (Math.abs(member.durationMs - first.durationMs) > DURATION_TOLERANCE_MS) {
      differs.push(`duration ${seconds(member.durationMs)}, not ${seconds(first.durationMs)}`);
    }
    const rates = [member.frameRate, first.frameRate];
    if (
      rates.some((r) => r === undefined) ? rates[0] !== rates[1] : Math.abs(member.frameRate! - first.frameRate!) > FRAME_RATE_TOLERANCE
    ) {
      differs.push(`frame rate ${rate(member.frameRate)}, not ${rate(first.frameRate)}`);
    }
    if (member.audio !== first.audio) differs.push(`audio ${member.audio ?? 'none'}, not ${first.audio ?? 'none'}`);
    if (differs.length > 0) found.push({ rendition: member.renditionPath, comparedWith: first.renditionPath, differs: differs.join('; ') });
  }
  return found;
}
