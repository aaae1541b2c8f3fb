// The status page for people (GET /): what the cache holds, how well it serves, and a player
// with a trick-play strip. Pure: a model in, one HTML document out. Everything from the disk
// (directory names included) is escaped; the browser code is STATUS_SCRIPT.
import { formatBytes } from '../../config/units.js';
import { STATUS_SCRIPT } from './status-script.js';
import { LIBRARY_PATH } from '../request-path.js';

export interface StatusRendition {
  readonly path: string; // relative to the cache directory, '/' separators
  readonly bytes: number;
  readonly lastAccessMs: number;
  readonly segments: number; // segment files on disk
  readonly segmentsTotal: number | null; // from .rendition.json; null when unreadable
  readonly durationMs: number | null;
  readonly kfonly: boolean;
  /** A rendition derived from `source` with the ladder's `profile` (docs/renditions.md); null: a real one. */
  readonly derived: { readonly profile: string; readonly source: string } | null;
}

export interface StatusModel {
  readonly version: string;
  readonly cacheDir: string;
  readonly startedAtMs: number;
  readonly nowMs: number;
  readonly lookups: Readonly<Record<string, number>>; // HIT, MISS, WAIT; a MISS or WAIT waited for packaging
  readonly packagingRuns: Readonly<Record<string, number>>; // by what they made: playlist, segment, rendition
  readonly packagingFailed: number;
  readonly requests: number;
  readonly bytesServed: number;
  readonly renditions: readonly StatusRendition[]; // most recently accessed first
  readonly renditionsFound: number; // before the row limit
  readonly scanComplete: boolean; // false when the walk stopped at its directory limit
  readonly playerScriptUrl: string;
}

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// "45 s", "12 min", "3 h 05 min", "2 d 4 h".
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor(s / 60) % 60).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor(s / 3600) % 24} h`;
}

// Media time as a player shows it: "0:12", "1:02:03".
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const mm = String(Math.floor(s / 60) % 60);
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm.padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

const sum = (record: Readonly<Record<string, number>>) => Object.values(record).reduce((a, b) => a + b, 0);

export function hitRatio(lookups: Readonly<Record<string, number>>): string {
  const total = sum(lookups);
  return total === 0 ? 'n/a' : `${(((lookups.HIT ?? 0) / total) * 100).toFixed(1)} %`;
}

function counts(record: Readonly<Record<string, number>>): string {
  const entries = Object.entries(record).filter(([, n]) => n > 0);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${escapeHtml(k)} ${n}`).join(', ');
}

const playerHref = (renditionPath: string) => `/?play=${encodeURIComponent(renditionPath)}#player`;

function row(r: StatusRendition, nowMs: number): string {
  const segments = r.segmentsTotal === null ? `${r.segments}` : `${r.segments} / ${r.segmentsTotal}`;
  const path = escapeHtml(r.path);
  // A derived rendition's trick play is its source's (its own would transcode every segment).
  const derived = r.derived
    ? `<br><small class="derived">${escapeHtml(r.derived.profile)} of <a href="${escapeHtml(playerHref(r.derived.source))}">${escapeHtml(r.derived.source)}</a></small>`
    : '';
  return (
    `<tr data-path="${path}"${r.derived ? ` data-profile="${escapeHtml(r.derived.profile)}" data-source="${escapeHtml(r.derived.source)}"` : ''}><td class="path">${path}${derived}</td><td class="num">${formatBytes(r.bytes)}</td>` +
    `<td class="num segments">${segments}</td><td class="num">${r.durationMs === null ? '' : formatClock(r.durationMs)}</td>` +
    `<td title="${new Date(r.lastAccessMs).toISOString()}">${formatSpan(nowMs - r.lastAccessMs)} ago</td>` +
    `<td>${r.kfonly ? 'yes' : r.derived ? 'from its source' : '<span class="note">made on first play</span>'}</td><td><button type="button" data-play="${path}">Play</button></td></tr>`
  );
}

function renditionTable(model: StatusModel): string {
  if (model.renditions.length === 0)
    return `<p id="empty">The cache holds no rendition yet: pick a film in the <a href="${LIBRARY_PATH}">library</a>, enter a path above, or request <code>/i/&lt;path&gt;/index_0_av.m3u8</code>.</p>`;
  const shown =
    model.renditions.length < model.renditionsFound
      ? `<p class="note">The ${model.renditions.length} most recently used of ${model.renditionsFound}.</p>`
      : '';
  const partial = model.scanComplete ? '' : '<p class="note">The scan stopped at its directory limit: older renditions may be missing.</p>';
  return `${shown}${partial}<table id="renditions"><thead><tr><th>Rendition</th><th>Size</th><th>Segments</th><th>Duration</th><th>Last access</th><th>Trick play</th><th></th></tr></thead>
<tbody>${model.renditions.map((r) => row(r, model.nowMs)).join('\n')}</tbody></table>`;
}

// What the idle player shows instead of an empty box: where to start.
const IDLE_POSTER = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360"><rect width="640" height="360" fill="#1d2330"/>' +
    '<text x="320" y="170" fill="#aab3c5" font-family="sans-serif" font-size="22" text-anchor="middle">Nothing playing</text>' +
    '<text x="320" y="205" fill="#aab3c5" font-family="sans-serif" font-size="16" text-anchor="middle">Press Play on a rendition below, or browse the library</text></svg>',
)}`;

export const STATUS_STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f4f5f8}
header{background:#1d2330;color:#fff;padding:12px 24px;display:flex;gap:16px;align-items:baseline}
header h1{font-size:20px;margin:0}header span{color:#aab3c5}header a{color:#9cc4ff;margin-left:auto}main{padding:16px 24px;max-width:1200px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border-radius:6px;padding:10px 14px;min-width:150px;box-shadow:0 1px 2px #0002}
.card b{display:block;font-size:20px}.card small{color:#5a6478}section{background:#fff;border-radius:6px;padding:12px 16px;margin-top:16px;box-shadow:0 1px 2px #0002}
h2{font-size:16px;margin:0 0 8px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e6ec}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.path{font-family:ui-monospace,monospace;word-break:break-all}
.note{color:#5a6478}#stage{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}#video{width:640px;max-width:100%;background:#000;aspect-ratio:16/9}
#preview{width:240px;background:#000;aspect-ratio:16/9}#trick{display:flex;gap:4px;overflow-x:auto;padding:8px 0}
#trick canvas{width:128px;height:72px;background:#2a3142;cursor:pointer;flex:none;outline-offset:-2px}#trick canvas.current{outline:3px solid #f5a623}
#play-form input{width:420px;max-width:70%;font:inherit;padding:3px 6px}button{font:inherit;cursor:pointer}`;

export function renderStatusPage(model: StatusModel): string {
  const cache = escapeHtml(model.cacheDir);
  const lookups = sum(model.lookups);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>casterpak status</title><link rel="icon" href="data:,"><style>${STATUS_STYLE}</style></head>
<body><header><h1>casterpak</h1><span>${escapeHtml(model.version)} · up ${formatSpan(model.nowMs - model.startedAtMs)} · cache <code>${cache}</code></span><a id="library-link" href="${LIBRARY_PATH}">Browse the library</a></header>
<main>
<div class="cards">
<div class="card" title="A request that waited for a packaging run (a master, playlist, segment or I-frame playlist) is a MISS or WAIT"><small>Cache hit ratio</small><b id="hit-ratio">${hitRatio(model.lookups)}</b><small>${lookups} lookups: ${counts(model.lookups)}</small></div>
<div class="card"><small>Packaging runs since start</small><b id="packaging-runs">${sum(model.packagingRuns)}</b><small id="runs">${counts(model.packagingRuns)}${model.packagingFailed > 0 ? `, ${model.packagingFailed} failed` : ''}</small></div>
<div class="card"><small>Requests</small><b id="requests">${model.requests}</b><small>${formatBytes(model.bytesServed)} served</small></div>
<div class="card"><small>Renditions in cache</small><b id="rendition-count">${model.renditionsFound}</b><small>${formatBytes(model.renditions.reduce((a, r) => a + r.bytes, 0))} listed</small></div>
</div>
<section id="player"><h2>Player</h2>
<form id="play-form"><input id="play-path" name="play" placeholder="rendition path, e.g. 2022/04/clip.mp4" autocomplete="off"> <button>Play</button></form>
<div id="stage"><video id="video" controls muted playsinline poster="${IDLE_POSTER}"></video><div><video id="preview" muted playsinline></video><p class="note">I-frame player: key frames from <code>kfonly/index_0_av.m3u8</code></p></div></div>
<div id="trick" aria-label="key frames"></div><p id="player-note" class="note">Pick a rendition below; the strip shows its key frames: click one to seek.</p><p id="player-level" class="note"></p>
<p id="player-tracks" class="note"><label hidden>Language <select id="audio-menu"></select></label> <label hidden>Subtitles <select id="subtitle-menu"></select></label></p>
</section>
<section><h2>Renditions in the cache</h2>${renditionTable(model)}</section>
</main>
<script src="${escapeHtml(model.playerScriptUrl)}"></script>
<script>${STATUS_SCRIPT}</script>
</body></html>
`;
}
