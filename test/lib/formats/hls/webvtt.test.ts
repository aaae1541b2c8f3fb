import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSrt, parseWebVtt, srtText, SubtitleFormatError, webVttSegment } from '../../../../src/lib/formats/hls/webvtt.js';
import { media } from '../../../helpers/bento4.js';

describe('WebVTT and SRT cues', () => {
  it('reads the SRT fixture: comma timestamps, entities and basic markup', () => {
    expect(parseSrt(readFileSync(media('tracks.en.srt'), 'utf8'))).toEqual([
      { start: 0.5, end: 2, settings: '', text: 'Hello &amp; <i>welcome</i>' },
      { start: 3, end: 5.25, settings: '', text: 'Second line\ntwo rows' },
    ]);
  });

  it('escapes what WebVTT would read as markup and drops tags it does not have', () => {
    expect(srtText(['a < b & c', '<font color="red">red</font> {\\an8}<B>bold</B>'])).toBe('a &lt; b &amp; c\nred <b>bold</b>');
  });

  it('reads the WebVTT fixture, skipping NOTE blocks and keeping cue settings', () => {
    const cues = parseWebVtt(readFileSync(media('tracks.fr.vtt'), 'utf8'));
    expect(cues.map((c) => [c.start, c.end, c.settings])).toEqual([
      [1, 3.5, 'line:0'],
      [4.2, 5.8, ''],
    ]);
  });

  it('refuses malformed files', () => {
    expect(() => parseWebVtt('00:00:01.000 --> 00:00:02.000\nno header')).toThrow(SubtitleFormatError);
    expect(() => parseSrt('1\n00:00:01,000 --> soon\ntext')).toThrow(SubtitleFormatError);
    expect(() => parseSrt('just some text\nand more')).toThrow(SubtitleFormatError);
    expect(() => parseSrt('1\n00:00:05,000 --> 00:00:01,000\nbackwards')).toThrow(SubtitleFormatError);
  });

  it('writes a segment with its X-TIMESTAMP-MAP and the cues showing during it', () => {
    const cues = parseSrt(readFileSync(media('tracks.en.srt'), 'utf8'));
    expect(webVttSegment(cues, 2, 4, 7200)).toBe(
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:7200,LOCAL:00:00:00.000\n\n00:00:03.000 --> 00:00:05.250\nSecond line\ntwo rows\n\n',
    );
    expect(webVttSegment(cues, 6, 8, 0)).toBe('WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n');
  });
});
