import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  formatClock,
  formatSpan,
  hitRatio,
  renderStatusPage,
  type StatusModel,
  type StatusRendition,
} from '../../../../src/lib/origin/status/status-html.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

const rendition = (overrides: Partial<StatusRendition> = {}): StatusRendition => ({
  path: '2022/04/clip.mp4',
  bytes: 3 * 1024 * 1024,
  lastAccessMs: NOW - 90_000,
  segments: 2,
  segmentsTotal: 3,
  durationMs: 12_000,
  kfonly: true,
  derived: null,
  ...overrides,
});

const model = (overrides: Partial<StatusModel> = {}): StatusModel => ({
  version: 'casterpak 0.1.0',
  cacheDir: '/var/cache/casterpak',
  startedAtMs: NOW - 3_700_000,
  nowMs: NOW,
  lookups: { HIT: 3, MISS: 1 },
  packagingRuns: { playlist: 1, segment: 0 },
  packagingFailed: 0,
  requests: 9,
  bytesServed: 2048,
  renditions: [rendition()],
  renditionsFound: 1,
  scanComplete: true,
  playerScriptUrl: '/_casterpak/hls.min.js',
  ...overrides,
});

const text = (html: string, id: string) => new RegExp(`id="${id}">([^<]*)<`).exec(html)?.[1];

describe('status page HTML', () => {
  it('shows the hit ratio, packaging runs, uptime and one row per rendition', () => {
    const html = renderStatusPage(model());
    expect(text(html, 'hit-ratio')).toBe('75.0 %');
    expect(text(html, 'packaging-runs')).toBe('1');
    expect(text(html, 'runs')).toBe('playlist 1');
    expect(text(renderStatusPage(model({ packagingRuns: { playlist: 2, segment: 5 }, packagingFailed: 1 })), 'runs')).toBe(
      'playlist 2, segment 5, 1 failed',
    );
    expect(text(html, 'requests')).toBe('9');
    expect(html).toContain('up 1 h 01 min');
    const row = /<tr data-path="2022\/04\/clip\.mp4">(.*?)<\/tr>/.exec(html)?.[1] ?? '';
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]);
    expect(cells.slice(0, 6)).toEqual(['2022/04/clip.mp4', '3.0 MiB', '2 / 3', '0:12', '1 min ago', 'yes']);
    expect(cells[6]).toBe('<button type="button" data-play="2022/04/clip.mp4">Play</button>');
    expect(html).toContain('<script src="/_casterpak/hls.min.js"></script>');
  });

  it('escapes everything read from the disk (directory names are not validated like request paths)', () => {
    const html = renderStatusPage(model({ cacheDir: '/c/<b>', renditions: [rendition({ path: 'x/"><img src=x onerror=alert(1)>.mp4' })] }));
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>');
    expect(html).toContain('data-play="x/&#34;&#62;&#60;img src=x onerror=alert(1)&#62;.mp4"');
  });

  it('shows a derived rendition with its profile and a link that plays its source', () => {
    const html = renderStatusPage(
      model({
        renditions: [rendition({ path: 'lib/clip_360p.mp4', derived: { profile: '360p', source: 'lib/<clip>.mp4' } }), rendition()],
      }),
    );
    const row = /<tr data-path="lib\/clip_360p\.mp4"([^>]*)>(.*?)<\/tr>/.exec(html);
    expect(row?.[1]).toBe(' data-profile="360p" data-source="lib/&#60;clip&#62;.mp4"');
    expect(row?.[2]).toContain(
      '<td class="path">lib/clip_360p.mp4<br><small class="derived">360p of <a href="/?play=lib%2F%3Cclip%3E.mp4#player">lib/&#60;clip&#62;.mp4</a></small></td>',
    );
    expect(/<tr data-path="2022\/04\/clip\.mp4">/.test(html)).toBe(true); // a real one: no profile
    expect(html.match(/class="derived"/g)).toHaveLength(1);
  });

  it('says when the cache is empty, when rows were left out and when the scan stopped early', () => {
    const empty = renderStatusPage(model({ renditions: [], renditionsFound: 0, lookups: {} }));
    expect(empty).toContain('id="empty"');
    expect(text(empty, 'hit-ratio')).toBe('n/a');
    expect(empty).not.toContain('id="renditions"');
    const partial = renderStatusPage(model({ renditionsFound: 700, scanComplete: false }));
    expect(partial).toContain('The 1 most recently used of 700.');
    expect(partial).toContain('The scan stopped at its directory limit');
    expect(text(partial, 'rendition-count')).toBe('700');
  });

  it('shows an unreadable rendition record as unknown totals, not as zero', () => {
    const html = renderStatusPage(model({ renditions: [rendition({ segmentsTotal: null, durationMs: null, kfonly: false })] }));
    const row = /<tr data-path=[^>]*>(.*?)<\/tr>/.exec(html)?.[1] ?? '';
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]);
    expect(cells.slice(2, 4)).toEqual(['2', '']);
    expect(cells[5]).toBe('<span class="note">made on first play</span>'); // not blank: it is made when played
  });

  it('an idle player says where to start, and a place for the variant playing', () => {
    const html = renderStatusPage(model({}));
    const poster = decodeURIComponent(/<video id="video"[^>]* poster="data:image\/svg\+xml,([^"]+)"/.exec(html)?.[1] ?? '');
    expect(poster).toContain('Nothing playing');
    expect(html).toContain('<p id="player-level" class="note"></p>');
  });
});

describe('formatting', () => {
  it('spans and media times', () => {
    expect([0, 59_400, 60_000, 3_599_000, 3_600_000, 90_061_000].map(formatSpan)).toEqual([
      '0 s',
      '59 s',
      '1 min',
      '59 min',
      '1 h 00 min',
      '1 d 1 h',
    ]);
    expect([0, 12_000, 61_000, 3_723_000].map(formatClock)).toEqual(['0:00', '0:12', '1:01', '1:02:03']);
  });
  it('hit ratio over all lookups, and HTML escaping', () => {
    expect(hitRatio({ HIT: 1, MISS: 1, WAIT: 2 })).toBe('25.0 %');
    expect(hitRatio({ MISS: 0 })).toBe('n/a');
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
  });
});
