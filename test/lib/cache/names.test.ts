import { describe, expect, it } from 'vitest';
import {
  asideLockName,
  atomicTempName,
  cacheLayout,
  failedName,
  isSourceName,
  lockName,
  parseAsideLockName,
  parseAtomicTempName,
  parseFailedName,
  parseLockName,
  parsePartName,
  parseTempRunName,
  parseTrashName,
  partName,
  trashName,
  segmentName,
  segmentNumber,
  tempRunName,
  iframePlaylistFileRole,
  renditionFileRole,
} from '../../../src/lib/cache/names.js';

const KEY = '0123456789abcdef0123';

describe('casterpak names in the cache', () => {
  it('knows the files of a rendition directory and nothing else', () => {
    expect(
      ['segment1_0_av.ts', 'segment123456_0_av.ts', 'index_0_av.m3u8', '.rendition.json', '.index_0_av.m3u8.tmp-12-0a0b0c0d'].map(
        renditionFileRole,
      ),
    ).toEqual(['segment', 'segment', 'playlist', 'info', 'temp']);
    for (const name of [
      'segment0_0_av.ts',
      'segment1_0_av.ts.bak',
      'segment1.ts',
      'master.m3u8',
      'index_1_av.m3u8',
      'notes.txt',
      '.tmp-12-0a0b0c0d',
      'x.tmp-1-0a0b0c0d',
    ]) {
      expect(renditionFileRole(name), name).toBeNull();
    }
  });

  it('knows kfonly playlists and their atomic-write leftovers', () => {
    expect(iframePlaylistFileRole('index_0_av.m3u8')).toBe('kfonly');
    expect(iframePlaylistFileRole('.index_0_av.m3u8.tmp-9-abcdef01')).toBe('temp');
    expect(iframePlaylistFileRole('segment1_0_av.ts')).toBeNull();
    expect(iframePlaylistFileRole('.hidden.m3u8')).toBeNull();
  });

  it('matches run directories (host names may have dots), locks, set-aside locks, failure markers and partial downloads', () => {
    expect(parseTempRunName(`${KEY}.web-1.example.org.4242.0a0b0c0d`)?.key).toBe(KEY);
    expect(parseTempRunName(`${KEY}.host.pid.0a0b0c0d`)).toBeNull();
    expect(parseTempRunName('something-else')).toBeNull();
    expect(parseLockName(`${KEY}.lock`)).toBe(KEY);
    expect(parseLockName(`${KEY}.lock.bak`)).toBeNull();
    expect(parseAsideLockName(`${KEY}.lock.stale.0a0b0c0d`)).toBe(KEY);
    expect(parseFailedName(`${KEY}.failed`)).toBe(KEY);
    expect(parseFailedName('x.failed')).toBeNull();
    expect(parsePartName('movie.mp4.part-1234-0a0b0c0d')).not.toBeNull();
    expect(parsePartName('movie.mp4.part')).toBeNull();
  });

  it('a source copy ends with a packaged extension (any case) and is not hidden', () => {
    expect(isSourceName('x.mp4', ['.mp4'])).toBe(true);
    expect(isSourceName('X.MP4', ['.mp4'])).toBe(true);
    expect(isSourceName('x.mov', ['.mp4'])).toBe(false);
    expect(isSourceName('.mp4', ['.mp4'])).toBe(false);
    expect(isSourceName('.x.mp4', ['.mp4'])).toBe(false);
  });
});

describe('every name casterpak makes, it parses back', () => {
  it('run directories, locks, set-aside locks, failure markers, durable-write temporaries, partial downloads, segments', () => {
    expect(parseTempRunName(tempRunName(KEY, 'web-1.example.org', 4242, '0a0b0c0d'))).toEqual({
      key: KEY,
      host: 'web-1.example.org',
      pid: 4242,
    });
    expect(parseLockName(lockName(KEY))).toBe(KEY);
    expect(parseAsideLockName(asideLockName(lockName(KEY), 'deadbeef'))).toBe(KEY);
    expect(parseFailedName(failedName(KEY))).toBe(KEY);
    expect(parseAtomicTempName(atomicTempName('index_0_av.m3u8', 77, '0a0b0c0d'))).toEqual({ target: 'index_0_av.m3u8', pid: 77 });
    expect(parsePartName(partName('movie.mp4', 12, 'abcdef01'))).toEqual({ target: 'movie.mp4', pid: 12 });
    expect(parseTrashName(trashName('film.mp4', '0123456789ab'))).toBe('film.mp4');
    for (const n of [1, 9, 10, 123456]) expect(segmentNumber(segmentName(n))).toBe(n);
  });

  it('no name of one kind parses as another', () => {
    const made = [
      tempRunName(KEY, 'h', 1, '0a0b0c0d'),
      lockName(KEY),
      asideLockName(lockName(KEY), '0a0b0c0d'),
      failedName(KEY),
      partName('x.mp4', 1, '0a0b0c0d'),
    ];
    const parsers = [parseTempRunName, parseLockName, parseAsideLockName, parseFailedName, parsePartName];
    made.forEach((name, i) => parsers.forEach((parse, j) => expect(parse(name) !== null, `${name} by parser ${j}`).toBe(i === j)));
  });

  it('the layout puts locks and failure markers in .locks/ under their names', () => {
    const layout = cacheLayout('/cache');
    expect(layout.lockFile(KEY)).toBe(`/cache/.locks/${lockName(KEY)}`);
    expect(layout.failedFile(KEY)).toBe(`/cache/.locks/${failedName(KEY)}`);
    expect(layout.renditionInfo('a/b.mp4')).toBe('/cache/a/b.mp4/.rendition.json');
  });
});
