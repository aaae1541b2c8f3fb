import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CasterpakError } from '../../../../src/lib/shared/errors.js';
import { listLibrary } from '../../../../src/lib/origin/status/library.js';
import { countWords, renderLibraryPage } from '../../../../src/lib/origin/status/library-html.js';
import { startOrigin } from '../../../helpers/origin.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const MEDIA = ['.mp4', '.m4v'];
// The first box of an MP4 (ftyp, 16 bytes): enough for the listing's look at a file's start.
const MP4_HEAD = Buffer.from('00000010667479706973366d00000200', 'hex');
const HOSTILE = ['<img src=x onerror=alert(1)>.mp4', 'a "quoted" & \'name\'.mp4', 'line\nbreak.mp4', 'ünï code.mp4'];

function library(): { root: string; outside: string } {
  const base = tempDir('casterpak-library-');
  const root = path.join(base, 'library');
  const outside = path.join(base, 'elsewhere');
  for (const dir of ['shows/2026', 'z-dir', '.hidden', 'many', 'ünï dir']) mkdirSync(path.join(root, dir), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret.mp4'), 'x');
  for (const file of ['a.mp4', 'B.M4V', 'notes.txt', '.hidden.mp4', 'shows/2026/film.mp4', ...HOSTILE])
    writeFileSync(path.join(root, file), MP4_HEAD);
  writeFileSync(path.join(root, 'broken.mp4'), 'media'); // text with an MP4's name: listed, never linked
  for (let i = 0; i < 250; i++) writeFileSync(path.join(root, 'many', `f${String(i).padStart(3, '0')}.mp4`), '');
  symlinkSync(outside, path.join(root, 'out-link'));
  symlinkSync(path.join(outside, 'secret.mp4'), path.join(root, 'evil.mp4'));
  symlinkSync(path.join(root, 'shows'), path.join(root, 'in-link'));
  return { root, outside };
}

const notFound = async (run: Promise<unknown>) => {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CasterpakError);
  expect((error as CasterpakError).code).toBe('NOT_FOUND');
};

describe('listLibrary: one directory of the source root, a page at a time', () => {
  it('lists directories first, then media files, by name; hidden and other files left out; names it cannot serve and links leading out are not linked', async () => {
    const { root } = library();
    const listing = await listLibrary(root, '', 1, MEDIA);
    expect(listing).toMatchObject({ dir: '', page: 1, pages: 1, truncated: false });
    expect(listing.entries.map((e) => [e.kind, e.name, e.path])).toEqual([
      ['dir', 'in-link', 'in-link'],
      ['dir', 'many', 'many'],
      ['dir', 'out-link', null],
      ['dir', 'shows', 'shows'],
      ['dir', 'z-dir', 'z-dir'],
      ['dir', 'ünï dir', 'ünï dir'], // real file names are served (cache/rendition-path.ts)
      ['media', '<img src=x onerror=alert(1)>.mp4', null],
      ['media', 'B.M4V', 'B.M4V'],
      ['media', 'a "quoted" & \'name\'.mp4', null],
      ['media', 'a.mp4', 'a.mp4'],
      ['media', 'broken.mp4', null],
      ['media', 'evil.mp4', null],
      ['media', 'line\nbreak.mp4', null],
      ['media', 'ünï code.mp4', 'ünï code.mp4'],
    ]);
    expect(listing.entries.find((e) => e.name === 'evil.mp4')?.why).toMatch(/outside the source root/);
    expect(listing.entries.find((e) => e.name === 'a.mp4')).toMatchObject({ bytes: MP4_HEAD.length });
    expect(listing.entries.find((e) => e.name === 'broken.mp4')).toMatchObject({ bytes: 5, why: expect.stringMatching(/not an MP4/) });
    expect((await listLibrary(root, 'in-link/2026', 1, MEDIA)).entries.map((e) => e.path)).toEqual(['in-link/2026/film.mp4']);
  });

  it('pages, stops reading a huge directory at its limit, and refuses what is not a directory inside the root', async () => {
    const { root } = library();
    const pages = await Promise.all([1, 2, 3].map((page) => listLibrary(root, 'many', page, MEDIA)));
    expect(pages.map((p) => [p.pages, p.total, p.entries.length, p.entries[0]?.name])).toEqual([
      [3, 250, 100, 'f000.mp4'],
      [3, 250, 100, 'f100.mp4'],
      [3, 250, 50, 'f200.mp4'],
    ]);
    await notFound(listLibrary(root, 'many', 4, MEDIA));
    const capped = await listLibrary(root, 'many', 1, MEDIA, { pageSize: 10, maxEntries: 120 });
    expect([capped.truncated, capped.total, capped.pages]).toEqual([true, 120, 12]);
    for (const dir of ['out-link', 'missing', 'a.mp4', 'shows/2026/film.mp4']) await notFound(listLibrary(root, dir, 1, MEDIA));
  });
});

describe('renderLibraryPage', () => {
  it('escapes every name, links only servable entries, and links media to the player and its trick-play strip', async () => {
    const { root } = library();
    const html = renderLibraryPage({ version: 'casterpak 0.1.0', listing: await listLibrary(root, '', 1, MEDIA), maxEntries: 10_000 });
    expect(html).not.toMatch(/<img|onerror=alert\(1\)>|"quoted"/);
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;.mp4');
    expect(html).toContain('line\ufffdbreak.mp4');
    expect(html).toContain('<a href="/_casterpak/library?dir=shows">shows/</a>');
    expect(html).toContain('<a href="/?play=a.mp4#player">Play</a> · <a href="/?play=a.mp4#trick">Trick play</a>');
    expect(html).toContain('<a href="/i/a.mp4/master.m3u8">master</a> · <a href="/i/a.mp4/kfonly/index_0_av.m3u8">I-frame playlist</a>');
    expect(html).toContain('<a href="/i/a.mp4/fmp4/master.m3u8">fMP4 master</a> · <a href="/i/a.mp4/manifest.mpd">DASH</a>');
    expect(html).not.toContain('play=evil.mp4');
    expect(html).not.toContain('play=broken.mp4');
    expect(html).not.toContain('dir=out-link');
    const nested = renderLibraryPage({ version: 'v', listing: await listLibrary(root, 'many', 2, MEDIA), maxEntries: 10_000 });
    expect(nested).toContain('<a href="/_casterpak/library">source root</a> / <a href="/_casterpak/library?dir=many">many</a>');
    expect(nested).toContain(
      '<a rel="prev" href="/_casterpak/library?dir=many">‹ previous</a> Page 2 of 3 <a rel="next" href="/_casterpak/library?dir=many&#38;page=3">next ›</a>',
    );
  });
});

describe('serve: GET /_casterpak/library', () => {
  it('browses the source root into a playable film; refuses hostile queries', async () => {
    const t = await startOrigin({ 'shows/2026/film.mp4': 'av.mp4' });
    const top = await t.get('/_casterpak/library');
    expect(top.status).toBe(200);
    expect(top.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(top.headers.get('cache-control')).toBe('no-store');
    expect(await top.text()).toContain('href="/_casterpak/library?dir=shows"');
    const film = await (await t.get('/_casterpak/library?dir=shows/2026')).text();
    expect(film).toContain('<a href="/?play=shows%2F2026%2Ffilm.mp4#player">Play</a>');
    expect((await t.get('/i/shows/2026/film.mp4/master.m3u8')).status).toBe(200); // the link's target plays
    expect(await (await t.get('/')).text()).toContain('<a id="library-link" href="/_casterpak/library">');
    for (const [query, status] of [
      ['dir=..', 403],
      ['dir=%2e%2e/%2e%2e', 403],
      ['dir=shows/missing', 404],
      ['page=9', 404],
      ['x=1', 400],
    ] as const) {
      expect((await t.get(`/_casterpak/library?${query}`)).status, query).toBe(status);
    }
  });
});

describe('countWords', () => {
  it('says what is there, in words that match', () => {
    expect(countWords({ total: 2, directories: 0 })).toBe('2 media files');
    expect(countWords({ total: 1, directories: 0 })).toBe('1 media file');
    expect(countWords({ total: 4, directories: 1 })).toBe('1 directory and 3 media files');
    expect(countWords({ total: 2, directories: 2 })).toBe('2 directories');
    expect(countWords({ total: 0, directories: 0 })).toBe('0 media files');
  });
});
