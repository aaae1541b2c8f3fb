import { describe, expect, it } from 'vitest';
import {
  ASIDE_LOCK_NAME,
  FAILED_NAME,
  LOCK_NAME,
  PART_NAME,
  TEMP_RUN_NAME,
  isSourceName,
  kfonlyFileRole,
  renditionFileRole,
} from '../../../src/lib/prune/cache-names.js';

const KEY = '0123456789abcdef0123';

describe('casterpak names in the cache', () => {
  it('knows the files of a rendition directory and nothing else', () => {
    expect(['segment1_0_av.ts', 'segment123456_0_av.ts', 'index_0_av.m3u8', '.rendition.json', '.index_0_av.m3u8.tmp-12-0a0b0c0d'].map(renditionFileRole)).toEqual([
      'segment',
      'segment',
      'playlist',
      'info',
      'temp',
    ]);
    for (const name of ['segment0_0_av.ts', 'segment1_0_av.ts.bak', 'segment1.ts', 'master.m3u8', 'index_1_av.m3u8', 'notes.txt', '.tmp-12-0a0b0c0d', 'x.tmp-1-0a0b0c0d']) {
      expect(renditionFileRole(name), name).toBeNull();
    }
  });

  it('knows kfonly playlists and their atomic-write leftovers', () => {
    expect(kfonlyFileRole('index_0_av.m3u8')).toBe('kfonly');
    expect(kfonlyFileRole('.index_0_av.m3u8.tmp-9-abcdef01')).toBe('temp');
    expect(kfonlyFileRole('segment1_0_av.ts')).toBeNull();
    expect(kfonlyFileRole('.hidden.m3u8')).toBeNull();
  });

  it('matches run directories (host names may have dots), locks, set-aside locks, failure markers and partial downloads', () => {
    expect(TEMP_RUN_NAME.exec(`${KEY}.web-1.example.org.4242.0a0b0c0d`)?.[1]).toBe(KEY);
    expect(TEMP_RUN_NAME.test(`${KEY}.host.pid.0a0b0c0d`)).toBe(false);
    expect(TEMP_RUN_NAME.test('something-else')).toBe(false);
    expect(LOCK_NAME.exec(`${KEY}.lock`)?.[1]).toBe(KEY);
    expect(LOCK_NAME.test(`${KEY}.lock.bak`)).toBe(false);
    expect(ASIDE_LOCK_NAME.exec(`${KEY}.lock.stale.0a0b0c0d`)?.[1]).toBe(KEY);
    expect(FAILED_NAME.test(`${KEY}.failed`)).toBe(true);
    expect(FAILED_NAME.test('x.failed')).toBe(false);
    expect(PART_NAME.test('movie.mp4.part-1234-0a0b0c0d')).toBe(true);
    expect(PART_NAME.test('movie.mp4.part')).toBe(false);
  });

  it('a source copy ends with a packaged extension (any case) and is not hidden', () => {
    expect(isSourceName('x.mp4', ['.mp4'])).toBe(true);
    expect(isSourceName('X.MP4', ['.mp4'])).toBe(true);
    expect(isSourceName('x.mov', ['.mp4'])).toBe(false);
    expect(isSourceName('.mp4', ['.mp4'])).toBe(false);
    expect(isSourceName('.x.mp4', ['.mp4'])).toBe(false);
  });
});
