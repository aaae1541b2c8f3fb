// The cold bench's cases (what bench/cold.js measures, in the order of a round) and its rows
// (medians, ratios and the goals of issue #23, reported, not enforced).
import { FAR_SEGMENT } from './cold-media.js';
import { median } from './processes.js';

const REQUEST_TIMEOUT_MS = 30_000;

// `vod`: measured against nginx-vod-module too; `long`: a 2-hour case (fewer rounds when slow);
// `before`: an untimed request made before the page cache is dropped.
export function coldCases(mp4, films) {
  const [fast] = films;
  return [
    { key: 'p10', source: mp4, scenario: 'playlist', vod: true, label: 'cold playlist, 10 min' },
    { key: 'ps10', source: mp4, scenario: 'playlistSegment', vod: true, label: 'cold playlist + segment 1, 10 min' },
    { key: 's10', source: mp4, scenario: 'segment1', label: 'cold segment 1 asked first, 10 min' },
    ...films.flatMap((film) => [
      { key: `p-${film.layout}`, source: film.path, scenario: 'playlist', label: `cold playlist, ${film.label}` },
      { key: `ps-${film.layout}`, source: film.path, scenario: 'playlistSegment', label: `cold playlist + segment 1, ${film.label}` },
      {
        key: `sf-${film.layout}`,
        source: film.path,
        scenario: 'segmentFar',
        label: `cold segment ${FAR_SEGMENT} asked first, ${film.label}`,
      },
    ]),
    // V8 still compiling the long films' loops: one long playlist before, not four.
    {
      key: 'pnew',
      source: fast.path,
      scenario: 'playlist',
      warmLong: 1,
      label: `cold playlist, ${fast.label}, serve after one long playlist`,
    },
    ...films.map((film) => ({
      key: `r-${film.layout}`,
      source: film.path,
      scenario: 'playlistSegment',
      remote: true,
      label: `remote cold playlist + segment 1, ${film.label}`,
    })),
    {
      key: 'own',
      source: fast.path,
      scenario: 'segment2',
      before: 'playlist',
      label: `cold segment 2 after the playlist, ${fast.label}`,
    },
  ].map((c) => ({ ...c, long: c.source !== mp4, vod: c.vod || (c.source === fast.path && c.key !== 'own') }));
}

const good = (samples) => samples.filter((s) => !s.error);
const medianOf = (values) => (values.length ? median(values) : NaN);
const shownMs = (value) => (Number.isFinite(value) ? value : Number.isNaN(value) ? 'failed' : `> ${REQUEST_TIMEOUT_MS}`);
const ratioOf = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? a / b : undefined);
const failures = (samples) => {
  const failed = samples.filter((s) => s.error).length;
  return failed ? ` (${failed} of ${samples.length} failed)` : '';
};

export function coldRows({ cases, films, anchors, rss, vod, conditions, rssPlaylists }) {
  const byKey = Object.fromEntries(cases.map((c) => [c.key, c]));
  const ms = (key) => medianOf(good(byKey[key].samples).map((s) => s.ms));
  const vodMs = (key) => medianOf(good(byKey[key].vodSamples).map((s) => s.ms));
  const msRow = (key, goal) => ({ name: `${byKey[key].label}${failures(byKey[key].samples)}`, value: shownMs(ms(key)), unit: 'ms', goal });
  const ratioRow = (key, anchorName, anchorMs, goal) => ({
    ...msRow(key, goal),
    anchor: { name: anchorName, value: anchorMs },
    ratio: ratioOf(ms(key), anchorMs),
  });
  const [fast] = films;
  const rows = [];

  // Against nginx-vod-module, when given: each request, then its own 2 h / 10 min (casterpak's is
  // under length independence).
  if (vod) {
    for (const c of cases.filter((c) => c.vod))
      rows.push(ratioRow(c.key, `nginx-vod-module${failures(c.vodSamples)}`, vodMs(c.key), c.key === `ps-${fast.layout}` ? '≤ 5' : '—'));
    rows.push({
      name: `nginx-vod-module: cold playlist, ${fast.label}`,
      value: shownMs(vodMs(`p-${fast.layout}`)),
      unit: 'ms',
      anchor: { name: 'nginx-vod-module: cold playlist, 10 min', value: vodMs('p10') },
      ratio: ratioOf(vodMs(`p-${fast.layout}`), vodMs('p10')),
      goal: '—',
    });
  }
  // Length independence.
  for (const film of films) rows.push(ratioRow(`p-${film.layout}`, 'cold playlist, 10 min', ms('p10'), '≤ 2.5'));
  rows.push(ratioRow('pnew', 'cold playlist, 10 min', ms('p10'), '—'));
  for (const film of films) rows.push(ratioRow(`sf-${film.layout}`, 'cold segment 1 asked first, 10 min', ms('s10'), '≤ 2.5'));
  for (const film of films) rows.push(ratioRow(`p-${film.layout}`, `whole-file mp42hls, ${film.label}`, anchors[film.layout], '≤ 0.05'));
  // Remote.
  for (const film of films) {
    const c = byKey[`r-${film.layout}`];
    const sent = medianOf(
      good(c.samples)
        .filter((s) => Number.isFinite(s.ms))
        .map((s) => s.bytes),
    );
    const vodSent = medianOf(good(c.vodSamples).map((s) => s.bytes));
    const bytesRow = (anchorName, anchorBytes, goal) => ({
      name: `remote bytes for playlist + segment 1, ${film.label}`,
      value: sent / 2 ** 20,
      unit: 'MiB',
      anchor: { name: anchorName, value: anchorBytes / 2 ** 20 },
      ratio: ratioOf(sent, anchorBytes),
      goal,
    });
    rows.push(bytesRow('file size, MiB', film.size, '≤ 0.02'));
    if (Number.isFinite(vodSent)) rows.push(bytesRow('nginx-vod-module, MiB', vodSent, '—'));
    rows.push(ratioRow(c.key, `local, ${film.label}`, ms(`ps-${film.layout}`), '≤ 2'));
  }
  // e. casterpak's own work in a cold segment: the request minus the mp42hls process.
  if (byKey.own) {
    // Samples without serve's Server-Timing (an answer not made by this request) cannot be split.
    const samples = good(byKey.own.samples).filter((s) => [s.ms, s.makeMs, s.toolMs].every(Number.isFinite));
    const own = medianOf(samples.map((s) => s.ms - s.toolMs));
    const tool = medianOf(samples.map((s) => s.toolMs));
    const size = medianOf(samples.map((s) => s.segmentBytes)) / 1e6;
    rows.push(msRow('own', '—'));
    rows.push({
      name: `casterpak's own work in it, client side (request minus mp42hls; segment ${size.toFixed(1)} MB)${failures(byKey.own.samples)}`,
      value: shownMs(own),
      unit: 'ms',
      anchor: { name: 'mp42hls process (spawn to exit, Server-Timing)', value: tool },
      goal: '—',
    });
    // The time before the answer was sent, minus the mp42hls process; the answer's delivery,
    // which nginx-vod-module pays too, is not in it.
    rows.push({
      name: `casterpak's own work in it, server side (Server-Timing: make minus mp42hls)`,
      value: shownMs(medianOf(samples.map((s) => s.makeMs - s.toolMs))),
      unit: 'ms',
      anchor: { name: 'mp42hls process (spawn to exit)', value: tool },
      goal: '≤ 15 ms',
    });
  }
  // f. Memory after many cold playlists: the largest process of each server's tree, right after
  // the last playlist, at its highest sample, and once serve has been quiet (its idle collection).
  const rssOf = (r, key = 'rss') => (r ? Math.max(...r[key].filter(Number.isFinite)) : NaN);
  const failed = rss.serve?.failures ? ` (${rss.serve.failures} failed)` : '';
  for (const [key, what] of [
    ['rss', ''],
    ['highest', ', highest sample (every 10)'],
    ['quiet', ', 5 s later (serve: after its idle collection)'],
  ]) {
    if (!rss.serve) break;
    rows.push({
      name: `RSS after ${rssPlaylists} cold 2-hour playlists${what}, serve process${failed}`,
      value: rssOf(rss.serve, key),
      unit: 'MiB',
      ...(rss.vod
        ? {
            anchor: { name: 'nginx-vod-module worker', value: rssOf(rss.vod, key) },
            ratio: ratioOf(rssOf(rss.serve, key), rssOf(rss.vod, key)),
          }
        : {}),
      goal: key === 'rss' ? '≤ 128 MB' : '—',
    });
  }
  // Orientation.
  rows.push(msRow('p10', '—'));
  for (const film of films) rows.push(msRow(`p-${film.layout}`, '≤ 60 ms'));
  rows.push(msRow('s10', '≤ 60 ms'));
  for (const film of films) rows.push(msRow(`sf-${film.layout}`, '≤ 60 ms'));
  rows.push(msRow('ps10', '≤ 100 ms'));
  for (const film of films) rows.push(msRow(`ps-${film.layout}`, '≤ 100 ms'));
  rows.push({ name: 'conditions', value: conditions, unit: '', goal: '—' });
  return rows;
}

// The fmp4 topic's cases (bench/fmp4.js): a cold segment asked first in each form, casterpak's
// fMP4 (its own writing, no mp42hls) and MPEG-TS (mp42hls), each against nginx-vod-module's
// segment of the same form and time span (its fMP4 under `vod_hls_container_format fmp4`); the
// 10-minute film's segment 1 and the 2-hour film's (moov first) segment 700.
export function fmp4Cases(mp4, films) {
  const [fast] = films;
  const pair = (key, source, [fmp4, ts], what) => [
    { key: `f-${key}`, source, scenario: fmp4, label: `cold fMP4 segment ${what}` },
    { key: `t-${key}`, source, scenario: ts, label: `cold TS segment ${what}` },
  ];
  return [
    ...pair('s10', mp4, ['fmp4Segment1', 'segment1'], '1 asked first, 10 min'),
    ...pair('sf', fast.path, ['fmp4SegmentFar', 'segmentFar'], `${FAR_SEGMENT} asked first, ${fast.label}`),
  ].map((c) => ({ ...c, long: c.source !== mp4, vod: true, fmp4: true }));
}

// Each segment against nginx-vod-module's of the same form, then casterpak's fMP4 against its
// TS. The goal of issue #22: the fMP4 path within nginx-vod-module's order of magnitude.
export function fmp4Rows({ cases, vod, conditions }) {
  const byKey = Object.fromEntries(cases.map((c) => [c.key, c]));
  const stat = (samples, field) => medianOf(good(samples).map((s) => s[field]));
  const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;
  const rows = [];
  for (const key of ['s10', 'sf']) {
    const [f, t] = [byKey[`f-${key}`], byKey[`t-${key}`]];
    for (const c of [f, t]) {
      const row = {
        name: `${c.label}, ${mb(stat(c.samples, 'segmentBytes'))}${failures(c.samples)}`,
        value: shownMs(stat(c.samples, 'ms')),
        unit: 'ms',
        goal: c === f ? '≤ 10 × nginx-vod-module' : '—',
      };
      if (vod) {
        const vodMs = stat(c.vodSamples, 'ms');
        const vodName = `nginx-vod-module, ${mb(stat(c.vodSamples, 'segmentBytes'))}${failures(c.vodSamples)}`;
        Object.assign(row, { anchor: { name: vodName, value: vodMs }, ratio: ratioOf(stat(c.samples, 'ms'), vodMs) });
      }
      rows.push(row);
    }
    const [fMs, tMs] = [stat(f.samples, 'ms'), stat(t.samples, 'ms')];
    rows.push({
      name: `${f.label} ÷ TS`,
      value: shownMs(fMs),
      unit: 'ms',
      anchor: { name: t.label, value: tMs },
      ratio: ratioOf(fMs, tMs),
      goal: '—',
    });
  }
  rows.push({ name: 'conditions', value: conditions, unit: '', goal: '—' });
  return rows;
}
