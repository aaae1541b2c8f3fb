import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import {
  estimateIFrameBitrates,
  rewriteMaster,
  type IFrameInfo,
  type RewriteMasterOptions,
} from '../../../src/lib/masters/master-rewrite.js';

const fixture = (name: string) => new URL(`../../fixtures/playlists/${name}`, import.meta.url);
const KALTURA = readFileSync(fixture('kaltura-master.m3u8'), 'utf8');
const MANIFEST_URLS: string[] = JSON.parse(readFileSync(fixture('kaltura-manifest-urls.json'), 'utf8')).urls;
const BASE = 'https://casterpak.example.com';

function options(extra: Partial<RewriteMasterOptions> = {}): RewriteMasterOptions {
  return { masterUrl: new URL(MANIFEST_URLS[0]), baseUrl: BASE, pathPatterns: [/^\/i\//], hosts: [], ...extra };
}

const lines = (text: string) => text.split('\n');

describe('rewriteMaster: a Kaltura playManifest master', () => {
  it('points every /i/ variant at the base URL with the same path', () => {
    const result = rewriteMaster(KALTURA, options());
    expect(result.rewritten).toBe(3);
    expect(lines(result.text)).toEqual([
      '#EXTM3U',
      '#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=622044,RESOLUTION=854x480',
      `${BASE}/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/index_0_av.m3u8`,
      '#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=741318,RESOLUTION=960x540',
      `${BASE}/i/20220404/1251/1_5q8yua9n_1_t2rfozqd_1.mp4/index_0_av.m3u8`,
      '#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=1156684,RESOLUTION=1280x720',
      `${BASE}/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4/index_0_av.m3u8`,
      '',
    ]);
    expect(result.renditions).toEqual([
      '/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/index_0_av.m3u8',
      '/i/20220404/1251/1_5q8yua9n_1_t2rfozqd_1.mp4/index_0_av.m3u8',
      '/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4/index_0_av.m3u8',
    ]);
    expect(result.iframeVariants).toBe(0);
  });

  it('rewrites only the listed host', () => {
    const result = rewriteMaster(KALTURA, options({ hosts: ['OnPrem.rfa.org'] }));
    expect(result.rewritten).toBe(1);
    expect(result.text).toContain(`${BASE}/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/index_0_av.m3u8`);
    expect(result.text).toContain('https://this_application/i/20220404/1251/1_5q8yua9n_1_t2rfozqd_1.mp4/index_0_av.m3u8');
    expect(result.renditions).toHaveLength(1);
  });

  it('with trick play adds an EXT-X-I-FRAME-STREAM-INF after each variant (RFC 8216 §4.3.4.3)', () => {
    const path = '/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4/index_0_av.m3u8';
    const trickPlay = new Map<string, IFrameInfo>([[path, { bitrates: { peak: 120000, average: 90000 }, codecs: 'avc1.64001f' }]]);
    const result = rewriteMaster(KALTURA, options({ trickPlay }));
    const out = lines(result.text);
    expect(result.iframeVariants).toBe(3);
    expect(out).toHaveLength(11);
    expect(out[3]).toBe(
      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=124409,AVERAGE-BANDWIDTH=62205,RESOLUTION=854x480,' +
        `URI="${BASE}/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/kfonly/index_0_av.m3u8"`,
    );
    expect(out[9]).toBe(
      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=120000,AVERAGE-BANDWIDTH=90000,CODECS="avc1.64001f",RESOLUTION=1280x720,' +
        `URI="${BASE}/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4/kfonly/index_0_av.m3u8"`,
    );
    expect(result.estimated).toEqual(result.renditions.slice(0, 2));
    const master = parseMasterPlaylist(result.text);
    expect(master.variants.filter((variant) => variant.isIFrameOnly)).toHaveLength(3);
  });

  it('is idempotent: a rewritten master with trick play comes out the same', () => {
    const once = rewriteMaster(KALTURA, options({ trickPlay: new Map() })).text;
    const twice = rewriteMaster(once, options({ trickPlay: new Map() }));
    expect(twice.text).toBe(once);
    expect(twice.iframeVariants).toBe(0);
  });

  it('accepts the second sample URL (with a query) as the master URL', () => {
    const result = rewriteMaster(
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n/i/x.mp4/index_0_av.m3u8\n',
      options({ masterUrl: new URL(MANIFEST_URLS[1]) }),
    );
    expect(lines(result.text)[2]).toBe(`${BASE}/i/x.mp4/index_0_av.m3u8`);
  });
});

describe('rewriteMaster: URI forms (RFC 3986 §5 resolution)', () => {
  const master = (uri: string) => `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360\n${uri}\n`;
  const rewrite = (uri: string, extra: Partial<RewriteMasterOptions> = {}) =>
    lines(rewriteMaster(master(uri), options({ masterUrl: new URL('https://kaltura.example/p/1/a.m3u8'), ...extra })).text)[2];

  it.each([
    ['absolute', 'https://onprem.rfa.org/i/a/b.mp4/index_0_av.m3u8', `${BASE}/i/a/b.mp4/index_0_av.m3u8`],
    ['protocol-relative', '//onprem.rfa.org/i/a/b.mp4/index_0_av.m3u8', `${BASE}/i/a/b.mp4/index_0_av.m3u8`],
    ['path-absolute', '/i/a/b.mp4/index_0_av.m3u8', `${BASE}/i/a/b.mp4/index_0_av.m3u8`],
    ['relative to the master', '../../i/a/b.mp4/index_0_av.m3u8', `${BASE}/i/a/b.mp4/index_0_av.m3u8`],
    ['with a query', '/i/a/b.mp4/index_0_av.m3u8?token=x%20y&s=1', `${BASE}/i/a/b.mp4/index_0_av.m3u8?token=x%20y&s=1`],
  ])('%s', (_name, uri, expected) => {
    expect(rewrite(uri)).toBe(expected);
  });

  it('makes relative URIs of other servers absolute (the master will be served elsewhere)', () => {
    expect(rewrite('low/index.m3u8')).toBe('https://kaltura.example/p/1/low/index.m3u8');
  });

  it('leaves absolute and protocol-relative URIs of other servers alone', () => {
    expect(rewrite('https://cdn.example/hls/a.m3u8')).toBe('https://cdn.example/hls/a.m3u8');
    expect(rewrite('//cdn.example/hls/a.m3u8')).toBe('//cdn.example/hls/a.m3u8');
  });

  it('matches hosts of relative URIs after resolution', () => {
    expect(rewrite('/i/a.mp4/index_0_av.m3u8', { hosts: ['kaltura.example'] })).toBe(`${BASE}/i/a.mp4/index_0_av.m3u8`);
    expect(rewrite('/i/a.mp4/index_0_av.m3u8', { hosts: ['onprem.rfa.org'] })).toBe('https://kaltura.example/i/a.mp4/index_0_av.m3u8');
  });

  it('uses the configured path patterns', () => {
    expect(rewrite('https://h.example/vod/a.mp4/index_0_av.m3u8', { pathPatterns: [/^\/vod\//] })).toBe(
      `${BASE}/vod/a.mp4/index_0_av.m3u8`,
    );
    expect(rewrite('https://h.example/i/a.mp4/index_0_av.m3u8', { pathPatterns: [/^\/vod\//] })).toBe(
      'https://h.example/i/a.mp4/index_0_av.m3u8',
    );
  });

  it('keeps a base URL path prefix and drops its trailing slash', () => {
    expect(rewrite('/i/a.mp4/index_0_av.m3u8', { baseUrl: 'https://cdn.example/casterpak/' })).toBe(
      'https://cdn.example/casterpak/i/a.mp4/index_0_av.m3u8',
    );
  });

  it('writes path-absolute URIs for an empty base URL (a master casterpak serves itself)', () => {
    expect(rewrite('https://onprem.rfa.org/i/a.mp4/index_0_av.m3u8?t=1', { baseUrl: '' })).toBe('/i/a.mp4/index_0_av.m3u8?t=1');
    const result = rewriteMaster(KALTURA, options({ baseUrl: '', trickPlay: new Map() }));
    expect(result.text).toContain('\n/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/index_0_av.m3u8\n');
    expect(result.text).toContain('URI="/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/kfonly/index_0_av.m3u8"');
    expect(rewriteMaster(result.text, options({ baseUrl: '', trickPlay: new Map() })).text).toBe(result.text);
  });

  it('does not let dot segments escape the path pattern', () => {
    expect(rewrite('https://h.example/i/../etc/index.m3u8')).toBe('https://h.example/i/../etc/index.m3u8');
  });

  it('without a master URL: path-absolute URIs match when no host list is given, relative ones stay', () => {
    const file = (uri: string, hosts: string[] = []) => rewriteMaster(master(uri), options({ masterUrl: null, hosts }));
    expect(lines(file('/i/a.mp4/index_0_av.m3u8').text)[2]).toBe(`${BASE}/i/a.mp4/index_0_av.m3u8`);
    expect(lines(file('/i/a.mp4/index_0_av.m3u8', ['h.example']).text)[2]).toBe('/i/a.mp4/index_0_av.m3u8');
    const relative = file('a.mp4/index_0_av.m3u8');
    expect(lines(relative.text)[2]).toBe('a.mp4/index_0_av.m3u8');
    expect(relative.unresolved).toEqual(['a.mp4/index_0_av.m3u8']);
  });

  it('refuses a base URL that is not an http(s) origin', () => {
    expect(() => rewrite('/i/a.mp4/index_0_av.m3u8', { baseUrl: 'ftp://x.example' })).toThrow(/invalid base URL/);
    expect(() => rewrite('/i/a.mp4/index_0_av.m3u8', { baseUrl: 'https://x.example/?a=1' })).toThrow(/invalid base URL/);
  });
});

describe('rewriteMaster: everything else passes through byte for byte', () => {
  const MASTER = [
    '#EXTM3U',
    '# made by a third party',
    '#EXT-X-VERSION:4',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-SESSION-DATA:DATA-ID="com.example.title",VALUE="News"',
    '#EXT-X-KALTURA-FLAVOR:1_q2fzuix0',
    '',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="en",NAME="English",DEFAULT=YES,AUTOSELECT=YES,URI="https://onprem.rfa.org/i/a/en.mp4/index_0_a.m3u8"',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="bo",NAME="Tibetan, Lhasa",URI="/i/a/bo.mp4/index_0_a.m3u8?x=1"',
    '#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="CC1",INSTREAM-ID="CC1"',
    '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360,AUDIO="aud",CLOSED-CAPTIONS="cc"',
    'https://onprem.rfa.org/i/a/v360.mp4/index_0_av.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS="mp4a.40.2",AUDIO="aud"',
    'https://onprem.rfa.org/i/a/en.mp4/index_0_a.m3u8',
    '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,CODECS="avc1.4d401e",RESOLUTION=640x360,URI="https://onprem.rfa.org/i/a/v360.mp4/iframes_0_av.m3u8"',
    '#EXT-X-STREAM-INF:BANDWIDTH=2000000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1280x720,AUDIO="aud"',
    'https://other-cdn.example/hls/v720/index.m3u8',
    '',
  ].join('\n');

  it('keeps comments, unknown tags, blank lines and attribute order; rewrites EXT-X-MEDIA and I-frame URIs', () => {
    const result = rewriteMaster(MASTER, options());
    const expected = MASTER.replaceAll('https://onprem.rfa.org/i/', `${BASE}/i/`).replace('URI="/i/a/bo.mp4', `URI="${BASE}/i/a/bo.mp4`);
    expect(result.text).toBe(expected);
    expect(result.rewritten).toBe(5);
    expect(result.renditions).toEqual(['/i/a/v360.mp4/index_0_av.m3u8']);
  });

  it('keeps CRLF line ends and a missing final newline', () => {
    const crlf = MASTER.replaceAll('\n', '\r\n').replace(/\r\n$/, '');
    expect(rewriteMaster(crlf, options()).text).toBe(rewriteMaster(MASTER, options()).text.replaceAll('\n', '\r\n').replace(/\r\n$/, ''));
    // An I-frame variant added after the last line: the URI line gains the file's line end.
    const text = '#EXTM3U\r\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=2x2\r\n/i/v.mp4/index_0_av.m3u8';
    expect(rewriteMaster(text, options({ trickPlay: new Map() })).text).toBe(
      `#EXTM3U\r\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=2x2\r\n${BASE}/i/v.mp4/index_0_av.m3u8\r\n` +
        `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=200,AVERAGE-BANDWIDTH=100,RESOLUTION=2x2,URI="${BASE}/i/v.mp4/kfonly/index_0_av.m3u8"`,
    );
  });

  it('adds no I-frame variant for audio-only variants or renditions that already have one', () => {
    const result = rewriteMaster(MASTER, options({ trickPlay: new Map() }));
    expect(result.iframeVariants).toBe(0);
    expect(result.text).toBe(rewriteMaster(MASTER, options()).text);
  });

  it('adds one I-frame variant per rendition when variants share a video (alternate audio groups)', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="lo",NAME="en",URI="/i/en-lo.mp4/index_0_a.m3u8"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="hi",NAME="en",URI="/i/en-hi.mp4/index_0_a.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=1000000,CODECS="avc1.4d401f,mp4a.40.2",AUDIO="lo"',
      '/i/v.mp4/index_0_av.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=1200000,CODECS="avc1.4d401f,mp4a.40.2",AUDIO="hi"',
      '/i/v.mp4/index_0_av.m3u8',
      '',
    ].join('\n');
    const result = rewriteMaster(text, options({ trickPlay: new Map() }));
    expect(result.iframeVariants).toBe(1);
    expect(result.renditions).toEqual(['/i/v.mp4/index_0_av.m3u8']);
    expect(lines(result.text)[5]).toBe(
      `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=200000,AVERAGE-BANDWIDTH=100000,CODECS="avc1.4d401f",URI="${BASE}/i/v.mp4/kfonly/index_0_av.m3u8"`,
    );
  });

  it('keeps leading and trailing whitespace around tags and URIs', () => {
    const text =
      '#EXTM3U\n  #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="/i/en.mp4/index_0_a.m3u8" \n#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO="a"\n /i/v.mp4/index_0_av.m3u8\t\n';
    expect(rewriteMaster(text, options()).text).toBe(
      `#EXTM3U\n  #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="${BASE}/i/en.mp4/index_0_a.m3u8" \n#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO="a"\n ${BASE}/i/v.mp4/index_0_av.m3u8\t\n`,
    );
  });

  it('takes a host list entry written as a URL', () => {
    expect(rewriteMaster(KALTURA, options({ hosts: ['https://onprem.rfa.org'] })).rewritten).toBe(1);
  });

  it('keeps the variant query on the kfonly URI', () => {
    const text = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=2x2\n/i/v.mp4/index_0_av.m3u8?t=abc\n';
    const result = rewriteMaster(text, options({ trickPlay: new Map() }));
    expect(result.text).toContain(`URI="${BASE}/i/v.mp4/kfonly/index_0_av.m3u8?t=abc"`);
  });
});

describe('rewriteMaster: input checks', () => {
  it.each([
    ['an empty body', '', /empty body/],
    ['an HTML page', '<!doctype html><title>502</title>', /HTML/],
    ['a media playlist', '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nsegment1_0_av.ts\n', /media playlist/],
    ['text', 'hello', /not an HLS playlist/],
    ['a master without variants', '#EXTM3U\n#EXT-X-VERSION:3\n', /EXT-X-STREAM-INF|master playlist/],
  ])('refuses %s with BAD_PLAYLIST', (_name, text, reason) => {
    expect(() => rewriteMaster(text, options({ source: 'input.m3u8' }))).toThrow(reason);
    expect(() => rewriteMaster(text, options())).toThrow(expect.objectContaining({ code: 'BAD_PLAYLIST' }));
  });
});

describe('estimateIFrameBitrates', () => {
  it('takes a fifth of the peak and a tenth of the average', () => {
    expect(estimateIFrameBitrates(1_000_000, 600_000)).toEqual({ peak: 200_000, average: 60_000 });
    expect(estimateIFrameBitrates(1_000_001)).toEqual({ peak: 200_001, average: 100_001 });
  });
});
