import { createHash } from 'node:crypto';
import { existsSync, promises as fsPromises, readFileSync, readdirSync, rmSync, utimesSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { tsFramingError } from '../../../src/lib/formats/mpegts/sync-check.js';
import { startOrigin } from '../../helpers/origin.js';
import { REAL_BIN_DIR, countingRuns, fakeBinDir, media } from '../../helpers/bento4.js';
import { locateBento4 } from '../../../src/lib/packaging/bento4.js';
import { findBox } from '../../../src/lib/formats/mp4/boxes.js';
import { editTracks } from '../formats/helpers/edge-media.js';

const sha = (bytes: ArrayBuffer) => createHash('sha256').update(Buffer.from(bytes)).digest('hex');

describe('serve: the caching origin', () => {
  it('packages on the first request (MISS), then serves from disk (HIT)', async () => {
    const t = await startOrigin({ '2022/04/av.mp4': 'av.mp4' });
    const first = await t.get('/i/2022/04/av.mp4/index_0_av.m3u8');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-casterpak-cache')).toBe('MISS');
    expect(first.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const text = await first.text();
    const playlist = parseMediaPlaylist(text);
    expect(playlist.segments.map((s) => s.uri)).toEqual(['segment1_0_av.ts', 'segment2_0_av.ts', 'segment3_0_av.ts']);
    // Answered before its rendition is committed (store/playlist-requests.ts): the ETag a hash
    // of the text, the one from disk afterwards made of the file's identity.
    expect(first.headers.get('etag')).toMatch(/^"[\w-]{27}"$/);
    await t.settled();
    expect(readFileSync(path.join(t.cacheDir, '2022/04/av.mp4/index_0_av.m3u8'), 'utf8')).toBe(text);
    const second = await t.get('/i/2022/04/av.mp4/index_0_av.m3u8');
    expect(second.headers.get('x-casterpak-cache')).toBe('HIT');
    expect(second.headers.get('etag')).toMatch(/^"[\da-f]+-[\da-f]+-[\da-f]+"$/);
    expect(await second.text()).toBe(text);
    const segment = await t.get('/i/2022/04/av.mp4/segment2_0_av.ts');
    expect(segment.status).toBe(200);
    expect(segment.headers.get('content-type')).toBe('video/mp2t');
    const bytes = new Uint8Array(await segment.arrayBuffer());
    expect(tsFramingError(bytes)).toBeNull();
    expect(Number(segment.headers.get('content-length'))).toBe(bytes.length);
  });

  it('closes once the rendition behind an early answer is committed: nothing left in .tmp', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' });
    const playlist = await t.get('/i/av.mp4/index_0_av.m3u8');
    expect(playlist.headers.get('etag')).toMatch(/^"[\w-]{27}"$/); // answered before the commit
    await t.origin.close(5_000);
    expect(existsSync(path.join(t.cacheDir, 'av.mp4', '.segments.idx'))).toBe(true);
    expect(readdirSync(path.join(t.cacheDir, '.tmp'))).toEqual([]);
  });

  it("answers a cold playlist's segment 1 from memory while the rendition is made, the bytes it then commits", async () => {
    // mp42hls held 1 s (the counting fake taken for the pinned one): segment 1 is asked for, as a
    // player asks, while it is still being made and the rendition is not committed.
    const runs = countingRuns();
    const slow = { ...locateBento4(REAL_BIN_DIR, 30_000), mp42hls: path.join(fakeBinDir('counting-slow'), 'mp42hls') };
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { serve: { readAhead: 1 } }, undefined, slow);
    await (await t.get('/i/av.mp4/index_0_av.m3u8')).text();
    const [whole, range] = await Promise.all([
      t.get('/i/av.mp4/segment1_0_av.ts'),
      t.get('/i/av.mp4/segment1_0_av.ts', { Range: 'bytes=188-375' }),
    ]);
    expect(whole.status).toBe(200);
    // One made it (a MISS); the other waited for it.
    expect([whole, range].map((r) => r.headers.get('x-casterpak-cache')).sort()).toEqual(['MISS', 'WAIT']);
    expect(whole.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/); // the identity of the file committed
    expect(whole.headers.get('server-timing')).toMatch(/^make;dur=[\d.]+, mp42hls;dur=[\d.]+$/);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer()).equals(bytes.subarray(188, 376))).toBe(true);
    expect(runs()).toBe(1); // one run for both requests, made with the playlist
    await t.settled();
    expect(readFileSync(path.join(t.cacheDir, 'av.mp4', 'segment1_0_av.ts')).equals(bytes)).toBe(true);
    await expect.poll(runs, { timeout: 5_000 }).toBe(2); // and segment 2 read ahead once the rendition was committed
    const hit = await t.get('/i/av.mp4/segment1_0_av.ts');
    expect(hit.headers.get('x-casterpak-cache')).toBe('HIT');
    expect(Buffer.from(await hit.arrayBuffer()).equals(bytes)).toBe(true);
    expect([hit.headers.get('etag'), hit.headers.get('last-modified')]).toEqual([
      whole.headers.get('etag'),
      whole.headers.get('last-modified'),
    ]);
  });

  it('answers a segment asked for first from memory, made right after the plan, before the commit', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' });
    const segment = await t.get('/i/av.mp4/segment3_0_av.ts');
    expect(segment.status).toBe(200);
    expect(segment.headers.get('x-casterpak-cache')).toBe('MISS');
    expect(segment.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/); // the identity of the file committed
    const bytes = Buffer.from(await segment.arrayBuffer());
    expect(tsFramingError(bytes)).toBeNull();
    await t.settled();
    expect(readFileSync(path.join(t.cacheDir, 'av.mp4', 'segment3_0_av.ts')).equals(bytes)).toBe(true);
    expect((await t.get('/i/av.mp4/segment3_0_av.ts')).headers.get('x-casterpak-cache')).toBe('HIT');
  });

  it('answers a segment asked for first with a hash of its bytes past the response memory budget', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { serve: { responseMemoryBytes: 1024 } });
    const segment = await t.get('/i/av.mp4/segment3_0_av.ts');
    expect(segment.status).toBe(200);
    expect(segment.headers.get('etag')).toMatch(/^"[\w-]{27}"$/); // a hash of the bytes, not a file's identity
    const bytes = Buffer.from(await segment.arrayBuffer());
    await t.settled();
    expect(readFileSync(path.join(t.cacheDir, 'av.mp4', 'segment3_0_av.ts')).equals(bytes)).toBe(true);
  });

  it('answers segments first (cold) and 404 past the last segment', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' });
    const segment = await t.get('/i/av.mp4/segment1_0_av.ts');
    expect(segment.status).toBe(200);
    expect(segment.headers.get('x-casterpak-cache')).toBe('MISS');
    expect((await t.get('/i/av.mp4/segment4_0_av.ts')).status).toBe(404);
  });

  // W3C Server Timing on answers that were made: the time before sending, and mp42hls's part of it.
  it('tells in Server-Timing what a made answer cost and the part mp42hls took; nothing on a hit', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' });
    const playlist = await t.get('/i/av.mp4/index_0_av.m3u8');
    expect(playlist.headers.get('server-timing')).toMatch(/^make;dur=\d+\.\d$/);
    await playlist.text();
    const segment = await t.get('/i/av.mp4/segment2_0_av.ts');
    await segment.arrayBuffer();
    const [, make, tool] = /^make;dur=(\d+\.\d), mp42hls;dur=(\d+\.\d)$/.exec(segment.headers.get('server-timing') ?? '') ?? [];
    expect(Number(tool)).toBeGreaterThan(0);
    expect(Number(make)).toBeGreaterThan(Number(tool));
    const again = await t.get('/i/av.mp4/segment2_0_av.ts');
    await again.arrayBuffer();
    expect(again.headers.get('x-casterpak-cache')).toBe('HIT');
    expect(again.headers.get('server-timing')).toBeNull();
  });

  // A segment made alone is answered from the bytes it committed, with the validators the file
  // then gives from disk (a cache revalidating it later finds the same ETag), within the response
  // memory budget; past the budget, from the file.
  it.each([
    ['within the response memory budget', {}, 0],
    ['past the budget, from the file', { responseMemoryBytes: 1024 }, 1],
  ])('answers a segment made alone with the committed file’s bytes and validators (%s)', async (_, serve, reads) => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { serve: { readAhead: 0, ...serve } });
    await (await t.get('/i/av.mp4/index_0_av.m3u8')).text();
    await t.settled();
    const opens = vi.spyOn(fsPromises, 'open');
    const [made, range] = await Promise.all([
      t.get('/i/av.mp4/segment2_0_av.ts'),
      t.get('/i/av.mp4/segment3_0_av.ts', { Range: 'bytes=188-375' }),
    ]);
    // Opened for reading: once each where they were looked for first (not there yet), then again past the budget.
    const readsOf = (n: number) =>
      opens.mock.calls.filter(([file, flags]) => String(file).endsWith(`segment${n}_0_av.ts`) && flags === 'r').length;
    const counted = [readsOf(2), readsOf(3)];
    opens.mockRestore();
    expect(counted).toEqual([1 + reads, 1 + reads]);
    expect([made.status, range.status]).toEqual([200, 206]);
    expect([made, range].map((r) => r.headers.get('x-casterpak-cache'))).toEqual(['MISS', 'MISS']);
    const bytes = Buffer.from(await made.arrayBuffer());
    await t.settled(); // answered while they were committed
    const file = (n: number) => readFileSync(path.join(t.cacheDir, 'av.mp4', `segment${n}_0_av.ts`));
    expect(bytes.equals(file(2))).toBe(true);
    expect(Buffer.from(await range.arrayBuffer()).equals(file(3).subarray(188, 376))).toBe(true);
    const hit = await t.get('/i/av.mp4/segment2_0_av.ts');
    expect(hit.headers.get('x-casterpak-cache')).toBe('HIT');
    expect(Buffer.from(await hit.arrayBuffer()).equals(bytes)).toBe(true);
    for (const name of ['etag', 'last-modified', 'content-length', 'content-type'])
      expect([name, made.headers.get(name)]).toEqual([name, hit.headers.get(name)]);
    expect(made.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/); // the file's identity
    const revalidated = await t.get('/i/av.mp4/segment2_0_av.ts', { 'If-None-Match': made.headers.get('etag')! });
    expect(revalidated.status).toBe(304);
  });

  it('answers a segment made alone while it is committed: a rename held back holds no answer', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { serve: { readAhead: 0 } });
    await (await t.get('/i/av.mp4/index_0_av.m3u8')).text();
    await t.settled();
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const rename = fsPromises.rename.bind(fsPromises);
    const held = vi.spyOn(fsPromises, 'rename').mockImplementation(async (from, to) => {
      if (String(to).endsWith('segment2_0_av.ts')) await gate;
      return rename(from, to);
    });
    try {
      const file = path.join(t.cacheDir, 'av.mp4', 'segment2_0_av.ts');
      const answer = t.get('/i/av.mp4/segment2_0_av.ts').then(async (r) => Buffer.from(await r.arrayBuffer()));
      const first = await Promise.race([answer, new Promise<null>((resolve) => setTimeout(resolve, 10_000, null))]);
      expect(first).not.toBeNull(); // answered with its rename still held
      expect(existsSync(file)).toBe(false);
      open();
      await t.settled();
      expect(readFileSync(file).equals(first!)).toBe(true);
    } finally {
      open();
      held.mockRestore();
    }
  });

  it('regenerates a pruned segment with the same bytes', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' });
    const original = sha(await (await t.get('/i/av.mp4/segment2_0_av.ts')).arrayBuffer());
    await t.settled(); // answered before its rendition was committed
    const file = path.join(t.cacheDir, 'av.mp4/segment2_0_av.ts');
    rmSync(file);
    const again = await t.get('/i/av.mp4/segment2_0_av.ts');
    expect(again.status).toBe(200);
    expect(again.headers.get('x-casterpak-cache')).not.toBe('HIT');
    expect(sha(await again.arrayBuffer())).toBe(original);
    await t.settled(); // answered while it was committed
    expect(existsSync(file)).toBe(true);
    expect(readdirSync(path.join(t.cacheDir, '.tmp'))).toEqual([]);
  });

  it('serves single byte ranges, 416, HEAD, 412, 304, CORS, and error bodies that are not sniffed', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' });
    const full = new Uint8Array(await (await t.get('/i/av.mp4/segment1_0_av.ts')).arrayBuffer());
    await t.settled(); // answered from memory before the commit: from here on, the file's validators
    const partial = await t.get('/i/av.mp4/segment1_0_av.ts', { range: 'bytes=376-751' });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 376-751/${full.length}`);
    expect(Buffer.from(await partial.arrayBuffer()).equals(Buffer.from(full.subarray(376, 752)))).toBe(true);
    const beyond = await t.get('/i/av.mp4/segment1_0_av.ts', { range: `bytes=${full.length}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${full.length}`);
    const head = await t.get('/i/av.mp4/segment1_0_av.ts', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(full.length);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const etag = head.headers.get('etag')!;
    expect((await t.get('/i/av.mp4/segment1_0_av.ts', { 'if-none-match': etag })).status).toBe(304);
    const lastModified = head.headers.get('last-modified')!;
    expect((await t.get('/i/av.mp4/segment1_0_av.ts', { 'if-modified-since': lastModified })).status).toBe(304);
    expect((await t.get('/i/av.mp4/segment1_0_av.ts', { 'if-match': '"another"' })).status).toBe(412);
    expect((await t.get('/i/av.mp4/segment1_0_av.ts', { 'if-match': etag, 'if-none-match': etag })).status).toBe(304); // 412 is decided first
    expect((await t.get('/i/av.mp4/segment1_0_av.ts', { 'if-unmodified-since': new Date(0).toUTCString() })).status).toBe(412);
    const missing = await t.get('/i/nothing.mp4/index_0_av.m3u8');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
    expect(head.headers.get('access-control-allow-origin')).toBe('*');
    expect(head.headers.get('cache-control')).toContain('max-age=86400');
    const preflight = await t.get(
      '/i/av.mp4/segment1_0_av.ts',
      { origin: 'http://player.example', 'access-control-request-headers': 'range' },
      'OPTIONS',
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Range');
    expect((await t.get('/i/av.mp4/segment1_0_av.ts', {}, 'POST')).status).toBe(405);
  });

  it('records access in the mtime of what it serves, so cron prune can read it', async () => {
    // Segment 2 is made by the read-ahead after segment 1 is served: on disk, never served yet.
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { serve: { readAhead: 1 } });
    await t.get('/i/av.mp4/segment1_0_av.ts');
    const file = path.join(t.cacheDir, 'av.mp4/segment2_0_av.ts');
    await expect.poll(() => existsSync(file), { timeout: 5000 }).toBe(true);
    const old = new Date(Date.now() - 5 * 3600_000);
    utimesSync(file, old, old);
    const etagBefore = (await t.get('/i/av.mp4/segment2_0_av.ts', {}, 'HEAD')).headers.get('etag');
    await expect.poll(() => statSync(file).mtimeMs, { timeout: 2000 }).toBeGreaterThan(Date.now() - 60_000);
    expect((await t.get('/i/av.mp4/segment2_0_av.ts', {}, 'HEAD')).headers.get('etag')).toBe(etagBefore);
  });

  it('answers masters from the moov: no segment is made, and a 0 s audio tail does not inflate BANDWIDTH', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4', 'audio.mp4': 'audio-only.mp4' }, { segmentDuration: 2 });
    for (const name of ['av.mp4', 'audio.mp4']) {
      const answer = await t.get(`/i/${name}/master.m3u8`);
      expect(answer.status).toBe(200);
      const master = parseMasterPlaylist(await answer.text());
      expect(readdirSync(path.join(t.cacheDir, name)).filter((n) => n.endsWith('.ts'))).toEqual([]);
      // The real segments, made afterwards: BANDWIDTH is never below their peak, at most 10 % above;
      // the peak is RFC 8216 §4.3.4.2's, over runs lasting 0.5–1.5 × TARGETDURATION (the 0 s tail
      // is no run of its own; its bytes count in the run before it).
      const playlist = parseMediaPlaylist(await (await t.get(`/i/${name}/index_0_av.m3u8`)).text());
      const sizes: number[] = [];
      for (const i of playlist.segments.keys())
        sizes.push((await (await t.get(`/i/${name}/segment${i + 1}_0_av.ts`)).arrayBuffer()).byteLength);
      const target = playlist.targetDuration;
      let peak = 0;
      for (let first = 0; first < sizes.length; first++)
        for (let last = first; last < sizes.length; last++) {
          const seconds = playlist.segments.slice(first, last + 1).reduce((sum, s) => sum + s.duration, 0);
          const bits = 8 * sizes.slice(first, last + 1).reduce((sum, n) => sum + n, 0);
          if (seconds > 0 && seconds >= 0.5 * target && seconds <= 1.5 * target) peak = Math.max(peak, bits / seconds);
        }
      const variant = master.variants.find((v) => !v.isIFrameOnly)!;
      expect(variant.bandwidth, name).toBeGreaterThanOrEqual(Math.floor(peak));
      expect(variant.bandwidth, name).toBeLessThanOrEqual(1.1 * peak);
    }
  });

  it('refuses a source whose video outlasts its audio with a 422 before anything is packaged', async () => {
    const t = await startOrigin({ 'good.mp4': 'av.mp4' });
    const source = new Uint8Array(readFileSync(media('av.mp4')));
    const moov = findBox(source, ['moov'])!;
    // Keep 200 of the audio frames: mp42hls would stop writing video where the audio ends.
    writeFileSync(
      path.join(t.sourceRoot, 'short-audio.mp4'),
      editTracks(source, moov.offset, source.subarray(moov.offset, moov.offset + moov.size), { 1: { keep: 200 } }),
    );
    const answer = await t.get('/i/short-audio.mp4/index_0_av.m3u8');
    expect(answer.status).toBe(422);
    expect(await answer.text()).toMatch(/video frames would be lost/);
    expect(existsSync(path.join(t.cacheDir, 'short-audio.mp4'))).toBe(false);
  });

  it('after serving segment N makes N+1 and N+2 ahead (serve.readAhead), in the background', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { segmentDuration: 2, serve: { readAhead: 2 } });
    expect((await t.get('/i/av.mp4/segment2_0_av.ts')).status).toBe(200);
    const made = () =>
      readdirSync(path.join(t.cacheDir, 'av.mp4'))
        .filter((n) => n.endsWith('.ts'))
        .sort();
    await expect.poll(made, { timeout: 5000 }).toEqual(['segment2_0_av.ts', 'segment3_0_av.ts', 'segment4_0_av.ts']);
    const again = await t.get('/i/av.mp4/segment3_0_av.ts');
    expect(again.headers.get('x-casterpak-cache')).toBe('HIT');
  });

  it('builds a one-rendition master and an MSOD .csmil master, leaving out missing sources', async () => {
    const t = await startOrigin({ 'show/clip_a_1.mp4': 'av.mp4', 'show/clip_b_1.mp4': 'av-no-bframes.mp4' });
    const single = await t.get('/i/show/clip_a_1.mp4/master.m3u8');
    expect(single.status).toBe(200);
    const master = parseMasterPlaylist(await single.text());
    const streams = master.variants.filter((v) => !v.isIFrameOnly);
    expect(streams).toHaveLength(1);
    const variant = streams[0];
    expect(variant.uri).toBe('index_0_av.m3u8');
    expect(variant.bandwidth).toBeGreaterThan(100_000);
    expect(variant.resolution).toEqual({ width: 320, height: 180 });
    expect(variant.codecs).toMatch(/^avc1\.[0-9A-F]{6},mp4a\.40\.2$/i);
    const csmil = await t.get('/i/show/clip_,a,b,missing,_1.mp4.csmil/master.m3u8');
    expect(csmil.status).toBe(200);
    const multi = parseMasterPlaylist(await csmil.text());
    expect(
      multi.variants
        .filter((v) => !v.isIFrameOnly)
        .map((v) => v.uri)
        .sort(),
    ).toEqual(['../clip_a_1.mp4/index_0_av.m3u8', '../clip_b_1.mp4/index_0_av.m3u8']);
    expect((await t.get('/i/show/clip_,x,y,_1.mp4.csmil/master.m3u8')).status).toBe(404);
  });

  it('answers bad media with a 4xx and a reason, and does not repackage it on every request', async () => {
    const t = await startOrigin({ 'bad.mp4': 'truncated.mp4', 'vp9.mp4': 'vp9.mp4', 'text.mp4': 'not-an-mp4.mp4' });
    for (const name of ['bad.mp4', 'vp9.mp4', 'text.mp4']) {
      const response = await t.get(`/i/${name}/index_0_av.m3u8`);
      expect(response.status, name).toBeGreaterThanOrEqual(400);
      expect(response.status, name).toBeLessThan(500);
      expect(await response.text(), name).toMatch(name === 'vp9.mp4' ? /unsupported codec/ : /not an MP4|no moov/);
    }
    const runs = async () =>
      (await (await t.get('/metrics')).text()).match(/casterpak_packaging_runs_total\{outcome="failed"\} (\d+)/)?.[1];
    const before = await runs();
    expect((await t.get('/i/bad.mp4/index_0_av.m3u8')).status).toBe(422);
    expect(await runs()).toBe(before);
    expect((await t.get('/i/missing.mp4/index_0_av.m3u8')).status).toBe(404);
  });

  it('answers /healthz and /metrics', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' });
    expect(await (await t.get('/healthz')).text()).toBe('ok\n');
    await t.get('/i/av.mp4/index_0_av.m3u8');
    await t.settled(); // answered before its rendition was committed: the next request is then a HIT
    await t.get('/i/av.mp4/index_0_av.m3u8');
    // The counters move when a response has been handed over, which may be just after the client has it.
    const metrics = async () => (await t.get('/metrics')).text();
    await expect.poll(metrics).toMatch(/casterpak_http_requests_total\{route="index",status="200"\} 2/);
    const text = await metrics();
    expect(text).toMatch(/casterpak_cache_requests_total\{result="HIT"\} 1/);
    expect(text).toMatch(/casterpak_packaging_runs_total\{outcome="committed",what="playlist"\} 1/);
  });
});

describe('serve: real file names', () => {
  it("plays `Big Test (1080p).mp4` and `L'été [v2].mp4`, asked percent-encoded, with accents composed or not", async () => {
    const t = await startOrigin({ 'Big Test (1080p).mp4': 'av.mp4', "Films/L'été [v2].mp4": 'av.mp4' });
    const big = await t.get('/i/Big%20Test%20(1080p).mp4/index_0_av.m3u8');
    expect(big.status).toBe(200);
    expect((await t.get('/i/Big%20Test%20(1080p).mp4/segment1_0_av.ts')).status).toBe(200);
    const composed = await t.get(`/i/Films/${encodeURIComponent("L'été [v2].mp4")}/index_0_av.m3u8`);
    expect(composed.status).toBe(200);
    await t.settled(); // answered before its rendition (and its first segment) was committed
    const decomposed = await t.get(`/i/Films/${encodeURIComponent("L'été [v2].mp4".normalize('NFD'))}/index_0_av.m3u8`);
    expect(decomposed.status).toBe(200);
    expect(decomposed.headers.get('x-casterpak-cache')).toBe('HIT');
    expect(existsSync(path.join(t.cacheDir, "Films/L'été [v2].mp4/index_0_av.m3u8"))).toBe(true);
  });
});
