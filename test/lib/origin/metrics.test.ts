// The transcode metrics of derived renditions (docs/renditions.md) on GET /metrics: segments
// transcoded by outcome, the time each took, and the transcode slots in use and queued.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startOrigin } from '../../helpers/origin.js';
import { tempDir } from '../../helpers/temp-dir.js';

// 320x180 fixtures: 90p is below them. ultrafast keeps the transcode short.
const LADDER = { '90p': { height: 90, videoBitrate: '100k', profile: 'baseline', level: '3.0', preset: 'ultrafast' } };

// The value of one sample line, e.g. `casterpak_transcoded_segments_total{outcome="failed"}`; null when absent.
function sample(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? null : Number(line.slice(name.length + 1));
}

// An ffmpeg that passes the start-up check (it lists libx264) and fails every encode.
function failingFfmpeg(): string {
  const file = path.join(tempDir('casterpak-fake-ffmpeg-'), 'ffmpeg');
  writeFileSync(
    file,
    '#!/bin/sh\ncase "$*" in\n  *-encoders*) echo " V....D libx264  libx264 H.264 (fake)";;\n  *-version*) echo "ffmpeg version fake";;\n  *) echo "fake ffmpeg: encode refused" >&2; exit 1;;\nesac\n',
  );
  chmodSync(file, 0o755);
  return file;
}

describe('serve: transcode metrics', () => {
  it('counts a committed transcode and its time; the gauges are there at rest', async () => {
    const t = await startOrigin({ 'clip.mp4': 'av-no-bframes.mp4' }, { renditions: { ladder: LADDER }, serve: { readAhead: 0 } });
    const before = await (await t.get('/metrics')).text();
    expect(sample(before, 'casterpak_transcode_duration_seconds_count')).toBe(0);
    expect((await t.get('/i/clip_90p.mp4/segment1_0_av.ts')).status).toBe(200);
    await t.settled(); // answered while it was committed
    const text = await (await t.get('/metrics')).text();
    expect(sample(text, 'casterpak_transcoded_segments_total{outcome="committed"}')).toBe(1);
    expect(sample(text, 'casterpak_transcoded_segments_total{outcome="failed"}')).toBeNull();
    expect(sample(text, 'casterpak_transcode_duration_seconds_count')).toBe(1);
    expect(sample(text, 'casterpak_transcode_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sample(text, 'casterpak_transcode_duration_seconds_bucket{le="60"}')).toBe(1);
    expect(sample(text, 'casterpak_transcode_queue_depth')).toBe(0);
    expect(sample(text, 'casterpak_transcodes_active')).toBe(0);
    // The playlist came from the moov: a packaging run, not a transcode.
    expect(sample(text, 'casterpak_packaging_runs_total{outcome="committed",what="playlist"}')).toBe(1);
  });

  it('counts a failed transcode (an ffmpeg that exits 1) as failed', async () => {
    const t = await startOrigin(
      { 'clip.mp4': 'av-no-bframes.mp4' },
      { renditions: { ladder: LADDER }, ffmpeg: { path: failingFfmpeg() }, serve: { readAhead: 0 } },
    );
    const response = await t.get('/i/clip_90p.mp4/segment1_0_av.ts');
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/encode refused/);
    const text = await (await t.get('/metrics')).text();
    expect(sample(text, 'casterpak_transcoded_segments_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'casterpak_transcoded_segments_total{outcome="committed"}')).toBeNull();
    expect(sample(text, 'casterpak_transcode_duration_seconds_count')).toBe(1);
  });

  it('does not count a refusal of a full transcode queue (503) as a transcode', async () => {
    const t = await startOrigin(
      { 'clip.mp4': 'av.mp4' },
      { renditions: { ladder: LADDER, maxTranscodes: 1, maxQueue: 0 }, serve: { readAhead: 0 } },
    );
    expect((await t.get('/i/clip_90p.mp4/index_0_av.m3u8')).status).toBe(200);
    const statuses = (await Promise.all([1, 2].map((n) => t.get(`/i/clip_90p.mp4/segment${n}_0_av.ts`)))).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 503]);
    await t.settled(); // the 200 answered while it was committed
    const text = await (await t.get('/metrics')).text();
    expect(sample(text, 'casterpak_transcoded_segments_total{outcome="committed"}')).toBe(1);
    expect(sample(text, 'casterpak_transcoded_segments_total{outcome="failed"}')).toBeNull();
    expect(sample(text, 'casterpak_transcode_duration_seconds_count')).toBe(1);
  });

  it('shows transcodes in progress and waiting while they run', async () => {
    const t = await startOrigin({ 'clip.mp4': 'av.mp4' }, { renditions: { ladder: LADDER, maxTranscodes: 1 }, serve: { readAhead: 0 } });
    expect((await t.get('/i/clip_90p.mp4/index_0_av.m3u8')).status).toBe(200);
    let settled = false;
    const segments = Promise.all([1, 2, 3].map((n) => t.get(`/i/clip_90p.mp4/segment${n}_0_av.ts`))).finally(() => (settled = true));
    let seen = { active: 0, queued: 0 };
    while (!settled && seen.queued === 0) {
      const text = await (await t.get('/metrics')).text();
      seen = { active: sample(text, 'casterpak_transcodes_active') ?? 0, queued: sample(text, 'casterpak_transcode_queue_depth') ?? 0 };
    }
    expect(seen.active).toBe(1);
    expect(seen.queued).toBeGreaterThanOrEqual(1);
    expect((await segments).map((r) => r.status)).toEqual([200, 200, 200]);
  });
});
