// The library browser for people (GET /_casterpak/library): one directory of the source root,
// a page at a time, with links into it and, for each media file, to the status page's player
// and its trick-play strip. Pure: a listing in, one HTML document out. Names come from the disk
// and are not validated like request paths: every one is escaped, control characters shown as
// U+FFFD, and only entries with a servable path (library.ts) get links.
import { formatBytes } from '../../config/units.js';
import { renditionUrl } from '../../cache/rendition-path.js';
import { DASH_MANIFEST, FMP4_DIR, INDEX_PLAYLIST, KFONLY_DIR, MASTER_PLAYLIST } from '../../cache/names.js';
import { LIBRARY_PATH } from '../request-path.js';
import { escapeHtml, STATUS_STYLE } from './status-html.js';

export interface LibraryEntry {
  readonly name: string; // as the file system has it: escape before showing
  readonly kind: 'dir' | 'media';
  /** the directory or rendition path for links; null when casterpak cannot serve it */
  readonly path: string | null;
  readonly why?: string; // why it cannot be served
  readonly bytes?: number;
  readonly mtimeMs?: number;
}

export interface LibraryListing {
  readonly dir: string; // '' for the source root
  readonly entries: readonly LibraryEntry[]; // this page: directories first, then by name
  readonly total: number; // directories and media files read
  readonly directories: number; // of which directories
  readonly page: number;
  readonly pages: number;
  readonly truncated: boolean; // stopped at maxEntries
}

interface LibraryModel {
  readonly version: string;
  /** null: no source root configured (sources come from the upstream, which cannot be listed) */
  readonly listing: LibraryListing | null;
  readonly maxEntries: number;
}

const shown = (name: string) => escapeHtml(name.replace(/[\0-\x1f\x7f]/g, '\ufffd'));
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

function libraryHref(dir: string, page = 1): string {
  const query = [dir === '' ? '' : `dir=${encodePath(dir)}`, page > 1 ? `page=${page}` : ''].filter(Boolean).join('&');
  return escapeHtml(query === '' ? LIBRARY_PATH : `${LIBRARY_PATH}?${query}`);
}

// The status page plays `?play=` at load, and fills the strip with the key frames (#trick).
const playerHref = (renditionPath: string, anchor: 'player' | 'trick') =>
  escapeHtml(`/?play=${encodeURIComponent(renditionPath)}#${anchor}`);

function crumbs(dir: string): string {
  const parts = dir === '' ? [] : dir.split('/');
  const links = parts.map((part, i) => `<a href="${libraryHref(parts.slice(0, i + 1).join('/'))}">${shown(part)}</a>`);
  return [`<a href="${libraryHref('')}">source root</a>`, ...links].join(' / ');
}

function row(entry: LibraryEntry): string {
  const name = shown(entry.name);
  const size = entry.bytes === undefined ? '' : formatBytes(entry.bytes);
  const modified = entry.mtimeMs === undefined ? '' : new Date(entry.mtimeMs).toISOString().slice(0, 16).replace('T', ' ');
  if (entry.path === null) {
    return `<tr class="unservable"><td class="path">${name}${entry.kind === 'dir' ? '/' : ''}</td><td class="num">${size}</td><td>${modified}</td><td class="note">${escapeHtml(entry.why ?? '')}</td></tr>`;
  }
  if (entry.kind === 'dir') {
    return `<tr class="dir"><td class="path"><a href="${libraryHref(entry.path)}">${name}/</a></td><td></td><td></td><td></td></tr>`;
  }
  const base = renditionUrl(entry.path);
  return (
    `<tr class="media" data-path="${escapeHtml(entry.path)}"><td class="path">${name}</td><td class="num">${size}</td><td>${modified}</td>` +
    `<td><a href="${playerHref(entry.path, 'player')}">Play</a> · <a href="${playerHref(entry.path, 'trick')}">Trick play</a> · ` +
    `<a href="${escapeHtml(base + MASTER_PLAYLIST)}">master</a> · <a href="${escapeHtml(`${base}${KFONLY_DIR}/${INDEX_PLAYLIST}`)}">I-frame playlist</a> · ` +
    `<a href="${escapeHtml(`${base}${FMP4_DIR}/${MASTER_PLAYLIST}`)}">fMP4 master</a> · <a href="${escapeHtml(base + DASH_MANIFEST)}">DASH</a></td></tr>`
  );
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

// "2 media files", "1 directory and 3 media files": the words match what is there.
export function countWords(listing: Pick<LibraryListing, 'total' | 'directories'>): string {
  const media = listing.total - listing.directories;
  const parts = [
    listing.directories > 0 ? plural(listing.directories, 'directory', 'directories') : null,
    media > 0 || listing.directories === 0 ? plural(media, 'media file', 'media files') : null,
  ].filter((p) => p !== null);
  return parts.join(' and ');
}

function pager(listing: LibraryListing): string {
  if (listing.pages === 1) return '';
  const previous = listing.page > 1 ? `<a rel="prev" href="${libraryHref(listing.dir, listing.page - 1)}">‹ previous</a>` : '';
  const next = listing.page < listing.pages ? `<a rel="next" href="${libraryHref(listing.dir, listing.page + 1)}">next ›</a>` : '';
  return `<p id="pager">${previous} Page ${listing.page} of ${listing.pages} ${next}</p>`;
}

function body(model: LibraryModel): string {
  const { listing } = model;
  if (listing === null)
    return '<p id="no-source-root">No source root is configured (<code>sourceRoot</code>): sources come from the upstream, which cannot be listed.</p>';
  const truncated = listing.truncated
    ? `<p class="note" id="truncated">This directory has more than ${model.maxEntries} entries: only the first ${model.maxEntries} read are listed.</p>`
    : '';
  const table =
    listing.entries.length === 0
      ? '<p id="empty">No directories or media files here.</p>'
      : `<table id="library"><thead><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th><th></th></tr></thead>\n<tbody>${listing.entries.map(row).join('\n')}</tbody></table>`;
  return `<p id="crumbs">${crumbs(listing.dir)}</p><p class="note" id="counts">${countWords(listing)}.</p>${truncated}${table}${pager(listing)}`;
}

export function renderLibraryPage(model: LibraryModel): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>casterpak library</title><link rel="icon" href="data:,"><style>${STATUS_STYLE}</style></head>
<body><header><h1>casterpak</h1><span>${escapeHtml(model.version)} · library</span><a href="/">Status and player</a></header>
<main><section><h2>Library</h2>${body(model)}</section></main>
</body></html>
`;
}
