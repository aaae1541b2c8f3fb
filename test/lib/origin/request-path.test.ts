import { describe, expect, it } from 'vitest';
import { routeRequest, decodePath } from '../../../src/lib/origin/request-path.js';

const options = { mediaExtensions: ['.mp4'], masterPrefix: '/p/' };
const route = (raw: string, query = '') => routeRequest(raw, query, options);

describe('routeRequest: the Akamai-style URL contract', () => {
  it('routes a rendition playlist, its segments, master and kfonly', () => {
    expect(route('/i/20220404/1251/x.mp4/index_0_av.m3u8')).toEqual({
      ok: true,
      route: { kind: 'index', renditionPath: '20220404/1251/x.mp4' },
    });
    expect(route('/i/a/x.mp4/segment12_0_av.ts')).toEqual({ ok: true, route: { kind: 'segment', renditionPath: 'a/x.mp4', segment: 12 } });
    expect(route('/i/x.mp4/master.m3u8')).toEqual({ ok: true, route: { kind: 'master', renditionPath: 'x.mp4' } });
    expect(route('/i/a/x.mp4/kfonly/index_0_av.m3u8')).toEqual({ ok: true, route: { kind: 'kfonly', renditionPath: 'a/x.mp4' } });
  });

  it('expands an MSOD .csmil name into its renditions', () => {
    expect(route('/i/2022/1_abc_,q1,q2,q3,_1.mp4.csmil/master.m3u8')).toEqual({
      ok: true,
      route: { kind: 'csmil', renditionPaths: ['2022/1_abc_q1_1.mp4', '2022/1_abc_q2_1.mp4', '2022/1_abc_q3_1.mp4'] },
    });
  });

  it('routes published streams, their kfonly playlists and the master proxy', () => {
    expect(route('/hls/show/stream.m3u8')).toEqual({ ok: true, route: { kind: 'published', path: 'show/stream.m3u8' } });
    expect(route('/hls/show/kfonly/stream.m3u8')).toEqual({
      ok: true,
      route: { kind: 'published-kfonly', dir: 'show', name: 'stream.m3u8' },
    });
    expect(route('/p/1251832/sp/125183200/playManifest/a.m3u8', 'x=1')).toEqual({
      ok: true,
      route: { kind: 'master-proxy', pathAndQuery: '/p/1251832/sp/125183200/playManifest/a.m3u8?x=1' },
    });
  });

  it('answers 404 for unknown routes, segment zero and other media extensions', () => {
    for (const path of ['/x', '/i/x.mp4/segment0_0_av.ts', '/i/x.mkv/index_0_av.m3u8', '/i/x.mp4/other.m3u8', '/hls/show/secret.key']) {
      const result = route(path);
      expect(result.ok, path).toBe(false);
      if (!result.ok) expect(result.status, path).toBe(404);
    }
  });
});

describe('decodePath: hostile input is refused before any file access', () => {
  const hostile = [
    '/i/../etc/passwd.mp4/index_0_av.m3u8',
    '/i/%2e%2e/etc/x.mp4/index_0_av.m3u8',
    '/i/%2E%2E/x.mp4/index_0_av.m3u8',
    '/i/a/..%2fb.mp4/index_0_av.m3u8',
    '/i/a%2f..%2f..%2fx.mp4/index_0_av.m3u8',
    '/i/%252e%252e/x.mp4/index_0_av.m3u8',
    '/i/a%5c..%5cx.mp4/index_0_av.m3u8',
    '/i/a\\..\\x.mp4/index_0_av.m3u8',
    '/i/a%00.mp4/index_0_av.m3u8',
    '/i/%c0%ae%c0%ae/x.mp4/index_0_av.m3u8',
    '/i/.hidden.mp4/index_0_av.m3u8',
    '/i/a//x.mp4/index_0_av.m3u8',
    `/i/${'a/'.repeat(800)}x.mp4/index_0_av.m3u8`,
  ];
  for (const path of hostile) {
    it(`refuses ${path.slice(0, 60)}`, () => {
      const result = route(path);
      expect(result.ok).toBe(false);
      if (!result.ok) expect([400, 403, 404, 414]).toContain(result.status);
    });
  }

  it('decodes plain percent-encoding once', () => {
    expect(decodePath('/i/a%20b')).toEqual({ segments: ['i', 'a b'] });
    expect(decodePath('/i/a b')).toEqual({ status: 400, reason: 'path has characters outside the allowed set' });
    expect(decodePath('/i/a%C2%85b')).toEqual({ status: 400, reason: 'encoded separator, control character or double encoding' });
    expect(decodePath('/i/a%2Bb.mp4')).toEqual({ segments: ['i', 'a+b.mp4'] });
  });
});

describe('routeRequest: real file names', () => {
  it('serves spaces, apostrophes, brackets and accents, percent-encoded or as browsers send them', () => {
    expect(route('/i/Big%20Test%20(1080p).mp4/index_0_av.m3u8')).toEqual({
      ok: true,
      route: { kind: 'index', renditionPath: 'Big Test (1080p).mp4' },
    });
    expect(route(`/i/${encodeURIComponent("L'été [v2]")}/x.mp4/master.m3u8`)).toEqual({
      ok: true,
      route: { kind: 'master', renditionPath: "L'été [v2]/x.mp4" },
    });
    expect(route("/i/L'%C3%A9t%C3%A9%20[v2].mp4/segment1_0_av.ts")).toMatchObject({ ok: true, route: { renditionPath: "L'été [v2].mp4" } });
  });

  it('normalises to NFC: a decomposed é names the same file as a composed one', () => {
    expect(route('/i/Le%CC%81te%CC%81.mp4/index_0_av.m3u8')).toEqual({ ok: true, route: { kind: 'index', renditionPath: 'Lété.mp4' } });
  });

  it('still refuses traversal, control and format characters in such names', () => {
    expect(route('/i/Big%20Test/..%2F..%2Fx.mp4/index_0_av.m3u8')).toMatchObject({ ok: false, status: 403 });
    expect(route('/i/a%0Ab.mp4/index_0_av.m3u8')).toMatchObject({ ok: false, status: 400 });
    expect(route('/i/a%E2%80%AEb.mp4/index_0_av.m3u8')).toMatchObject({ ok: false, status: 404 });
    expect(route('/i/%EF%BC%8E%EF%BC%8E/x.mp4/index_0_av.m3u8')).toMatchObject({ ok: false, status: 404 }); // full-width dots
    expect(route('/i/a%FFb.mp4/index_0_av.m3u8')).toMatchObject({ ok: false, status: 400 }); // not UTF-8
  });
});

describe('routeRequest: the library browser, its query checked like a path', () => {
  const library = (query: string) => route('/_casterpak/library', query);
  it('takes dir (a directory below the source root) and page', () => {
    expect(library('')).toEqual({ ok: true, route: { kind: 'library', dir: '', page: 1 } });
    expect(library('dir=shows/2026&page=3')).toEqual({ ok: true, route: { kind: 'library', dir: 'shows/2026', page: 3 } });
    expect(library('page=2&dir=shows%2F2026%2F')).toEqual({ ok: true, route: { kind: 'library', dir: 'shows/2026', page: 2 } });
    expect(library('dir=a%2Bb')).toEqual({ ok: true, route: { kind: 'library', dir: 'a+b', page: 1 } });
    expect(library('dir=')).toEqual({ ok: true, route: { kind: 'library', dir: '', page: 1 } });
  });

  const refused: Array<[string, number]> = [
    ['dir=..', 403],
    ['dir=shows/../..', 403],
    ['dir=%2e%2e', 403],
    ['dir=%252e%252e', 400],
    ['dir=.hidden', 403],
    ['dir=/etc', 400],
    ['dir=a//b', 400],
    ['dir=a%00b', 400],
    ['dir=a%5cb', 400],
    ['dir=%3Cscript%3E', 400],
    ['dir=a b', 400],
    ['dir=' + 'a/'.repeat(800), 414],
    ['dir=-rf%0Ax', 400],
    ['page=0', 400],
    ['page=-1', 400],
    ['page=1e3', 400],
    ['page=1234567', 400],
    ['dir=a&dir=b', 400],
    ['play=x', 400],
    ['dir', 200],
  ];
  for (const [query, status] of refused) {
    it(`${status === 200 ? 'accepts' : 'refuses'} ?${query.slice(0, 40)}`, () => {
      const result = library(query);
      if (status === 200) expect(result.ok).toBe(true);
      else expect(result).toMatchObject({ ok: false, status });
      if (!result.ok) expect(result.reason).not.toMatch(/[<>]|script|etc|\.\./);
    });
  }
});
