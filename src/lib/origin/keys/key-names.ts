// The names of a rendition's AES-128 keys (docs/security.md), in the style of cache/names.ts: one
// key per rendition, beside its segments (`key_0_av.key`, `key_0_a<N>.key` for audio rendition
// N), so a key URI resolves as its segments do and a token's ACL for the film opens it. Keys are
// derived on request (content-keys.ts) and never written to the cache. Pure.
import { AUDIO_SEGMENT_PATTERN, SEGMENT_PATTERN } from '../../cache/names.js';

export const KEY_PATTERN = /^key_0_(av|a[1-9]\d{0,8})\.key$/;

// The query parameter naming which configured secret a key or a segment is encrypted under.
export const KEY_ID_PARAM = 'k';

// A segment's number and the name of the key it is encrypted with; null for other names.
export function segmentKey(name: string): { segment: number; keyName: string } | null {
  const video = SEGMENT_PATTERN.exec(name);
  if (video) return { segment: Number(video[1]), keyName: 'key_0_av.key' };
  const audio = AUDIO_SEGMENT_PATTERN.exec(name);
  if (audio) return { segment: Number(audio[1]), keyName: `key_0_a${audio[2]}.key` };
  return null;
}
