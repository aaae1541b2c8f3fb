import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RenditionStore, type PackagingEvent, type RenditionStoreOptions } from '../../../src/lib/packaging/rendition-store.js';
import { locateBento4 } from '../../../src/lib/packaging/bento4.js';
import { cacheLayout, renditionKey } from '../../../src/lib/cache/names.js';
import { checkRendition, countingRuns, fakeBinDir, media } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testStore } from '../../helpers/store.js';

function countingStore(overrides: Partial<RenditionStoreOptions> = {}) {
  const runs = countingRuns();
  const events: PackagingEvent[] = [];
  const layout = cacheLayout(tempDir('casterpak-cache-'));
  const store = new RenditionStore({
    bento4: locateBento4(fakeBinDir('counting'), 30_000),
    layout,
    segmentDuration: 10,
    publicBaseUrl: null,
    failureTtlMs: 0,
    resolveSource: async (renditionPath) => media(renditionPath),
    onPackaging: (event) => events.push(event),
    pollMs: 20,
    ...overrides,
  });
  return { store, layout, events, runs };
}

afterEach(() => {
  delete process.env.FAKE_MP42HLS_COUNTER;
  delete process.env.FAKE_MP42HLS_REAL;
});

describe('RenditionStore.ensure', () => {
  it('packages on a miss, then hits', async () => {
    const { store, layout, runs, events } = countingStore();
    expect(await store.ensure('av.mp4')).toEqual({ status: 'MISS', dir: layout.renditionDir('av.mp4') });
    checkRendition(layout.renditionDir('av.mp4'));
    expect(await store.ensure('av.mp4')).toEqual({ status: 'HIT', dir: layout.renditionDir('av.mp4') });
    expect(await store.ensure('av.mp4', 2)).toMatchObject({ status: 'HIT' });
    expect(runs()).toBe(1);
    expect(events.map((e) => e.outcome)).toEqual(['committed']);
  });

  it('runs mp42hls once for many concurrent requests of one rendition', async () => {
    const { store, runs } = countingStore();
    const results = await Promise.all(Array.from({ length: 10 }, () => store.ensure('av.mp4')));
    expect(runs()).toBe(1);
    expect(results.filter((r) => r.status === 'MISS')).toHaveLength(1);
  });

  it('regenerates a pruned segment byte for byte, keeping the rest', async () => {
    const { store, layout, events } = countingStore();
    await store.ensure('av.mp4');
    const file = path.join(layout.renditionDir('av.mp4'), 'segment2_0_av.ts');
    const bytes = readFileSync(file);
    rmSync(file);
    expect((await store.ensure('av.mp4', 2)).status).toBe('MISS');
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(events.map((e) => e.outcome)).toEqual(['committed', 'repaired']);
  });

  it('answers NOT_FOUND for a segment number past the end', async () => {
    const { store } = countingStore();
    await store.ensure('av.mp4');
    await expect(store.ensure('av.mp4', 99)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'av.mp4: no segment 99' });
  });

  it('remembers a failure for failureTtlMs, in memory and on disk for other processes', async () => {
    const { store, layout, runs, events } = countingStore({ failureTtlMs: 60_000 });
    await expect(store.ensure('truncated.mp4')).rejects.toMatchObject({ code: 'BAD_MEDIA' });
    await expect(store.ensure('truncated.mp4')).rejects.toMatchObject({ code: 'BAD_MEDIA' });
    expect(events).toHaveLength(1); // the second request did not try again
    const marker = layout.lockFile(renditionKey('truncated.mp4')).replace(/\.lock$/, '.failed');
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toMatchObject({ code: 'BAD_MEDIA' });
    const other = countingStore({ failureTtlMs: 60_000, layout });
    await expect(other.store.ensure('truncated.mp4')).rejects.toMatchObject({ code: 'BAD_MEDIA' });
    expect(other.events).toHaveLength(0);
    expect(runs()).toBe(0);
  });

  it('does not remember a failure with failureTtlMs 0', async () => {
    const { store, events } = countingStore({ failureTtlMs: 0 });
    await expect(store.ensure('vp9.mp4')).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA' });
    await expect(store.ensure('vp9.mp4')).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA' });
    expect(events).toHaveLength(2);
  });

  it('waits while another live process holds the lock, and takes over when it dies', async () => {
    const { store, layout, runs } = countingStore();
    const holder = spawn('sleep', ['30']);
    const lockFile = layout.lockFile(renditionKey('av.mp4'));
    mkdirSync(path.dirname(lockFile), { recursive: true });
    writeFileSync(lockFile, JSON.stringify({ pid: holder.pid, host: os.hostname(), startedAt: Date.now(), what: 'av.mp4' }));
    const pending = store.ensure('av.mp4');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs()).toBe(0); // still waiting
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.on('exit', resolve));
    expect(await pending).toMatchObject({ status: 'WAIT' });
    expect(runs()).toBe(1);
    expect(existsSync(lockFile)).toBe(false);
  });
});

describe('RenditionStore: media playlists made at once (onPlaylistRuns)', () => {
  it('is told as each playlist made from the moov starts and ends; a segment made alone is not counted', async () => {
    const runs: number[] = [];
    const { store, events } = testStore({ onPlaylistRuns: (running) => runs.push(running) });
    await Promise.all([store.ensure('av.mp4'), store.ensure('video-only.mp4')]);
    expect(runs).toEqual([1, 2, 1, 0]);
    // Made from the moov, a rendition's segments are made when asked for, each alone.
    expect((await store.ensure('av.mp4', 2)).status).toBe('MISS');
    expect(events.map((e) => e.what)).toEqual(['playlist', 'playlist', 'segment']);
    expect(runs).toEqual([1, 2, 1, 0]);
  });
});
