// Some packagers write a TARGETDURATION below their longest rounded EXTINF (Bento4 mp42hls
// 1.5.0 does: docs/trick-play.md), which the strict parser refuses. trick play never uses the source's
// TARGETDURATION, so it raises it on the text before parsing rather than refuse the stream.

// Returns `text` with EXT-X-TARGETDURATION at least every rounded EXTINF (RFC 8216 §4.3.3.1).
export function raiseTargetDuration(text: string): string {
  let longest = 0;
  for (const match of text.matchAll(/^#EXTINF:\s*([0-9.]+)/gm)) longest = Math.max(longest, Math.round(Number(match[1])));
  return text.replace(/^(#EXT-X-TARGETDURATION:[ \t]*)(\d+)/m, (line, tag: string, value: string) =>
    Number(value) >= longest ? line : `${tag}${longest}`,
  );
}
