// RFC 6381 CODECS values of a track, from its sample entry: what masters advertise. They are
// written as Bento4's mp4info writes them, so masters made from the moov say what they said.
import type { Track } from './moov.js';

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

// ISO/IEC 14496-15 Annex E.3: the 32 compatibility flags in reverse bit order, in hex without
// leading zeros; the six constraint bytes in hex, trailing zero bytes left out.
function hevcString(format: string, hevc: NonNullable<Track['hevc']>): string {
  let reversed = 0;
  for (let bit = 0; bit < 32; bit++) if (hevc.profileCompatibility & (1 << bit)) reversed |= 1 << (31 - bit);
  const space = ['', 'A', 'B', 'C'][hevc.profileSpace] ?? '';
  const constraints = [...hevc.constraints];
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const parts = [
    format,
    `${space}${hevc.profile}`,
    (reversed >>> 0).toString(16).toUpperCase(),
    `${hevc.tier ? 'H' : 'L'}${hevc.level}`,
    ...constraints.map(hex2),
  ];
  return parts.join('.');
}

// RFC 6381 strings: `avc1.64001F`, `hvc1.1.6.L93.90`, `mp4a.40.2`, `ac-3`; the bare format when nothing more is known.
export function codecString(track: Track): string {
  if (track.avc) return `${track.format}.${hex2(track.avc.profile)}${hex2(track.avc.profileCompatibility)}${hex2(track.avc.level)}`;
  if (track.hevc) return hevcString(track.format, track.hevc);
  if (track.esds) {
    const oti = track.esds.objectTypeIndication;
    return oti === 0x40 && track.esds.audioObjectType !== undefined
      ? `${track.format}.40.${track.esds.audioObjectType}`
      : `${track.format}.${hex2(oti)}`;
  }
  return track.format;
}
