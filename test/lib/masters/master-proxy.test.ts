import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpStatusFor } from '../../../src/lib/shared/errors.js';
import { createMasterProxy, upstreamUrlFor, type MasterProxyOptions } from '../../../src/lib/masters/master-proxy.js';
import { playlistAnswer, redirectTo, startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';

const KALTURA = readFileSync(new URL('../../fixtures/playlists/kaltura-master.m3u8', import.meta.url), 'utf8');
const MANIFEST = new URL(
  JSON.parse(readFileSync(new URL('../../fixtures/playlists/kaltura-manifest-urls.json', import.meta.url), 'utf8')).urls[1],
);
const PATH_AND_QUERY = MANIFEST.pathname + MANIFEST.search;
const BASE = 'https://casterpak.example.com';

let upstream: FakeUpstream;
let other: FakeUpstream;
let clock: number;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  other = await startFakeUpstream();
  upstream.route(PATH_AND_QUERY, playlistAnswer(KALTURA, 200, 50));
  upstream.route(MANIFEST.pathname, playlistAnswer(KALTURA));
  upstream.route('/p/slow/a.m3u8', playlistAnswer(KALTURA, 200, 1000));
  upstream.route('/p/fail/a.m3u8', playlistAnswer('internal error', 500));
  upstream.route('/p/html/a.m3u8', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>Kaltura error</html>');
  });
  upstream.route('/p/empty/a.m3u8', playlistAnswer(''));
  upstream.route('/p/big/a.m3u8', playlistAnswer(KALTURA + '#'.repeat(4096)));
  upstream.route('/p/media/a.m3u8', playlistAnswer('#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\ns.ts\n'));
  upstream.route('/p/moved/a.m3u8', redirectTo('/p/real/a.m3u8'));
  upstream.route(
    '/p/real/a.m3u8',
    playlistAnswer('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=2x2\n../../i/x.mp4/index_0_av.m3u8\n'),
  );
  upstream.route('/p/away/a.m3u8', redirectTo(`${other.origin}/p/real/a.m3u8`));
  upstream.route('/base/p/x/a.m3u8', playlistAnswer(KALTURA));
  other.route('/p/real/a.m3u8', playlistAnswer(KALTURA));
});

afterAll(async () => {
  await upstream.close();
  await other.close();
});

beforeEach(() => {
  clock = 1_000_000;
  upstream.hits.clear();
  other.hits.clear();
});

function proxy(extra: Partial<MasterProxyOptions> = {}) {
  return createMasterProxy({
    upstream: upstream.origin,
    baseUrl: BASE,
    ttlMs: 30_000,
    timeoutMs: 300,
    pathPatterns: [/^\/i\//],
    hosts: [],
    now: () => clock,
    ...extra,
  });
}

describe('createMasterProxy', () => {
  it('forwards path and query to the upstream and rewrites the master', async () => {
    const result = await proxy().get(PATH_AND_QUERY);
    expect(result.cached).toBe(false);
    expect(result.text).toBe(KALTURA.replace('https://onprem.rfa.org', BASE).replaceAll('https://this_application', BASE));
    expect(upstream.hits.get(PATH_AND_QUERY)).toBe(1);
  });

  it('keeps the master for the TTL, then fetches again', async () => {
    const p = proxy();
    await p.get(PATH_AND_QUERY);
    clock += 29_999;
    expect((await p.get(PATH_AND_QUERY)).cached).toBe(true);
    expect(upstream.hits.get(PATH_AND_QUERY)).toBe(1);
    clock += 1;
    expect((await p.get(PATH_AND_QUERY)).cached).toBe(false);
    expect(upstream.hits.get(PATH_AND_QUERY)).toBe(2);
  });

  it('shares one upstream fetch among concurrent requests', async () => {
    const p = proxy();
    const results = await Promise.all(Array.from({ length: 20 }, () => p.get(PATH_AND_QUERY)));
    expect(upstream.hits.get(PATH_AND_QUERY)).toBe(1);
    expect(results.filter((r) => !r.cached)).toHaveLength(1);
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
  });

  it.each([
    ['slow', '/p/slow/a.m3u8', 'UPSTREAM_TIMEOUT', 504],
    ['failing', '/p/fail/a.m3u8', 'UPSTREAM', 502],
    ['HTML', '/p/html/a.m3u8', 'BAD_PLAYLIST', 502],
    ['media playlist', '/p/media/a.m3u8', 'BAD_PLAYLIST', 502],
    ['empty', '/p/empty/a.m3u8', 'BAD_PLAYLIST', 502],
    ['oversized', '/p/big/a.m3u8', 'UPSTREAM', 502],
    ['redirect to another host', '/p/away/a.m3u8', 'FORBIDDEN_HOST', 403],
  ])('maps a %s upstream (%s) to %s, %i', async (_name, p, code, status) => {
    const error = await proxy({ maxBytes: 4096 })
      .get(p)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect(httpStatusFor(error)).toBe(status);
    expect(other.hits.size).toBe(0);
  });

  it('names the reason when the upstream answer is not a master', async () => {
    await expect(proxy().get('/p/media/a.m3u8')).rejects.toThrow(/a media playlist, not a master playlist/);
  });

  it('follows a redirect within the upstream host and resolves relative URIs against the final URL', async () => {
    const result = await proxy().get('/p/moved/a.m3u8');
    expect(result.text.split('\n')[2]).toBe(`${BASE}/i/x.mp4/index_0_av.m3u8`);
  });

  it('answers a failure from memory for errorTtlMs, then asks again', async () => {
    const p = proxy({ errorTtlMs: 1000 });
    await expect(p.get('/p/fail/a.m3u8')).rejects.toMatchObject({ code: 'UPSTREAM' });
    await expect(p.get('/p/fail/a.m3u8')).rejects.toMatchObject({ code: 'UPSTREAM' });
    expect(upstream.hits.get('/p/fail/a.m3u8')).toBe(1);
    clock += 1000;
    await expect(p.get('/p/fail/a.m3u8')).rejects.toMatchObject({ code: 'UPSTREAM' });
    expect(upstream.hits.get('/p/fail/a.m3u8')).toBe(2);
  });

  it('keeps at most maxEntries masters', async () => {
    const p = proxy({ maxEntries: 2 });
    for (const q of ['?a=1', '?a=2', '?a=3', '?a=1']) await p.get(`${MANIFEST.pathname}${q}`);
    // ?a=1 was evicted when ?a=3 came in, so it is fetched again.
    expect(upstream.hits.get(`${MANIFEST.pathname}?a=1`)).toBe(2);
  });

  it('keeps the upstream path prefix', async () => {
    const result = await proxy({ upstream: `${upstream.origin}/base/` }).get('/p/x/a.m3u8');
    expect(result.text).toContain(BASE);
    expect(upstream.hits.get('/base/p/x/a.m3u8')).toBe(1);
  });

  it('adds I-frame variants from the resolver and warns about the ones it could not resolve', async () => {
    const warnings: string[] = [];
    const p = proxy({
      trickPlay: async (variantPath) => {
        if (variantPath.includes('q2fzuix0')) throw new Error('kfonly not there');
        return { bitrates: { peak: 100_000, average: 50_000 }, codecs: 'avc1.4d401f' };
      },
      onWarning: (line) => warnings.push(line),
    });
    const result = await p.get(PATH_AND_QUERY);
    const iframes = result.text.split('\n').filter((line) => line.startsWith('#EXT-X-I-FRAME-STREAM-INF:'));
    expect(iframes).toHaveLength(3);
    expect(iframes[0]).toMatch(/^#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=124409,AVERAGE-BANDWIDTH=62205,RESOLUTION=854x480,URI=/);
    expect(iframes[1]).toContain('BANDWIDTH=100000,AVERAGE-BANDWIDTH=50000,CODECS="avc1.4d401f",RESOLUTION=960x540');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/1 of 3 renditions .*kfonly not there/);
  });
});

describe('upstreamUrlFor: only the configured upstream is ever contacted', () => {
  const up = 'https://cdnapisec.kaltura.com';

  it('appends path and query to the upstream', () => {
    expect(upstreamUrlFor(up, PATH_AND_QUERY).href).toBe(`${up}${PATH_AND_QUERY}`);
  });

  it.each(
    [
      '//evil.example/p/a.m3u8',
      'http://evil.example/p/a.m3u8',
      'p/a.m3u8',
      '/p/../admin',
      '/p/%2e%2e/admin',
      '/p/%2E%2e%2fadmin',
      '/p/./a.m3u8',
      '/p\\..\\admin',
      '/p/a.m3u8#frag',
      '/p/a b.m3u8',
      '/p/%zz',
      '/p/\r\nHost: evil',
      `/p/${'a'.repeat(9000)}`,
    ].map((input) => [JSON.stringify(input).slice(0, 40), input]),
  )('refuses %s with BAD_PATH (400)', (_title, input) => {
    let error: unknown;
    try {
      upstreamUrlFor(up, input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'BAD_PATH' });
    expect(httpStatusFor(error)).toBe(400);
  });

  it('refuses a bad path before any upstream request', async () => {
    await expect(proxy().get('//127.0.0.1/p/a.m3u8')).rejects.toMatchObject({ code: 'BAD_PATH' });
    expect(upstream.hits.size).toBe(0);
  });

  it('stays on the upstream for an @ or encoded slashes in the path', () => {
    expect(upstreamUrlFor(up, '/p/@evil.example/a.m3u8').host).toBe('cdnapisec.kaltura.com');
    expect(upstreamUrlFor(up, '/p/%2F%2Fevil.example/a.m3u8').host).toBe('cdnapisec.kaltura.com');
  });
});

describe('createMasterProxy with the ladder', () => {
  const sizes: Record<string, { width: number; height: number } | null> = {
    '/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/index_0_av.m3u8': { width: 854, height: 480 },
    '/i/20220404/1251/1_5q8yua9n_1_t2rfozqd_1.mp4/index_0_av.m3u8': null, // e.g. derived itself
    '/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4/index_0_av.m3u8': { width: 1280, height: 720 },
  };
  const profiles = {
    '360p': {
      height: 360,
      videoBitrate: 365_000,
      maxRate: 438_000,
      bufSize: 876_000,
      profile: 'main' as const,
      level: '3.0',
      preset: 'veryfast',
    },
  };

  it("asks the origin for every rendition's picture, then for the derived variants of the tallest only", async () => {
    const asked: string[] = [];
    const p = proxy({
      ladder: {
        profiles,
        segmentDuration: 4,
        mediaExtensions: ['.mp4'],
        resolver: {
          size: async (path) => sizes[path] ?? null,
          variants: async (path) => {
            asked.push(path);
            return [
              {
                profile: '360p',
                bandwidth: 700_001,
                averageBandwidth: 500_001,
                codecs: ['avc1.4D401E', 'mp4a.40.2'],
                resolution: { width: 640, height: 360 },
              },
            ];
          },
        },
      },
    });
    const { text } = await p.get(PATH_AND_QUERY);
    expect(asked).toEqual(['/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4/index_0_av.m3u8']);
    expect(text).toContain(
      '#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=700001,RESOLUTION=640x360,AVERAGE-BANDWIDTH=500001,CODECS="avc1.4D401E,mp4a.40.2"\n' +
        `${BASE}/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1_360p.mp4/index_0_av.m3u8\n`,
    );
  });

  it('adds nothing when the origin cannot give the derived variants, and says so once', async () => {
    const warnings: string[] = [];
    const p = proxy({
      onWarning: (line) => warnings.push(line),
      ladder: {
        profiles,
        segmentDuration: 4,
        mediaExtensions: ['.mp4'],
        resolver: { size: async (path) => sizes[path] ?? null, variants: () => Promise.reject(new Error('no ffmpeg')) },
      },
    });
    const { text } = await p.get(PATH_AND_QUERY);
    expect(text).toBe(KALTURA.replace('https://onprem.rfa.org', BASE).replaceAll('https://this_application', BASE));
    expect(warnings).toEqual([
      `${MANIFEST.pathname}: warning: no ladder from /i/20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4/index_0_av.m3u8: no ffmpeg`,
    ]);
  });
});
