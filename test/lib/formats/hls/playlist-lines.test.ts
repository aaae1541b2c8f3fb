import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dominantEol,
  joinLines,
  parseAttributes,
  replaceAttribute,
  splitLines,
  tagOf,
} from '../../../../src/lib/formats/hls/playlist-lines.js';

describe('splitLines / joinLines', () => {
  it('keeps each line end (CRLF, LF, CR, none)', () => {
    expect(splitLines('a\r\nb\nc\rd')).toEqual([
      { text: 'a', eol: '\r\n' },
      { text: 'b', eol: '\n' },
      { text: 'c', eol: '\r' },
      { text: 'd', eol: '' },
    ]);
    expect(splitLines('a\n\n')).toEqual([
      { text: 'a', eol: '\n' },
      { text: '', eol: '\n' },
    ]);
  });

  it('round-trips any text byte for byte', () => {
    const text = fc
      .array(fc.constantFrom('#EXTM3U', 'x', '', ' ', '\r\n', '\n', '\r', '#EXT-X-A:B="c,d"'), { maxLength: 30 })
      .map((parts) => parts.join(''));
    fc.assert(fc.property(text, (input) => joinLines(splitLines(input)) === input));
  });

  it('finds the dominant line end', () => {
    expect(dominantEol(splitLines('a\r\nb\r\nc\n'))).toBe('\r\n');
    expect(dominantEol(splitLines('a'))).toBe('\n');
  });
});

describe('tagOf (RFC 8216 §4.1)', () => {
  it('tells tags from comments and URI lines', () => {
    expect(tagOf('#EXT-X-STREAM-INF:BANDWIDTH=1')).toEqual({ tag: 'EXT-X-STREAM-INF', rest: 'BANDWIDTH=1' });
    expect(tagOf('#EXTM3U')).toEqual({ tag: 'EXTM3U', rest: '' });
    expect(tagOf('# a comment')).toBeNull();
    expect(tagOf('https://h/x.m3u8')).toBeNull();
  });
});

describe('parseAttributes / replaceAttribute (RFC 8216 §4.2)', () => {
  const list = 'TYPE=AUDIO,NAME="Tibetan, Lhasa",URI="/i/a.mp4/index_0_a.m3u8",DEFAULT=YES';

  it('reads quoted values with commas', () => {
    const attributes = parseAttributes(list);
    expect(attributes.map((a) => [a.name, a.value])).toEqual([
      ['TYPE', 'AUDIO'],
      ['NAME', 'Tibetan, Lhasa'],
      ['URI', '/i/a.mp4/index_0_a.m3u8'],
      ['DEFAULT', 'YES'],
    ]);
  });

  it('replaces one value and keeps the rest byte for byte', () => {
    const uri = parseAttributes(list).find((a) => a.name === 'URI')!;
    expect(replaceAttribute(list, uri, 'https://c.example/x')).toBe(
      'TYPE=AUDIO,NAME="Tibetan, Lhasa",URI="https://c.example/x",DEFAULT=YES',
    );
  });
});
