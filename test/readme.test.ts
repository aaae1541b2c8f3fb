// The README's Quick start sends a newcomer to what a browser can open: the status page.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIBRARY_PATH, routeRequest } from '../src/lib/origin/request-path.js';
import { renderStatusPage } from '../src/lib/origin/status/status-html.js';
import { REPO_DIR } from './helpers/bento4.js';

const README = readFileSync(path.join(REPO_DIR, 'README.md'), 'utf8');
const section = (title: string) => README.split(/^## /m).find((s) => s.startsWith(`${title}\n`)) ?? '';
const options = { mediaExtensions: ['.mp4'], masterPrefix: '/p/' };

describe('README', () => {
  it('Quick start: opens the status page in a browser, never a playlist (browsers other than Safari cannot play one)', () => {
    const quickStart = section('Quick start');
    const opened = [...quickStart.matchAll(/open (?:the status page, )?`(http:\/\/127\.0\.0\.1:8080[^`]*)`/g)].map(
      (m) => new URL(m[1]!).pathname,
    );
    expect(opened).toEqual(['/']);
    expect(routeRequest(opened[0]!, '', options)).toEqual({ ok: true, route: { kind: 'status' } });
    expect(quickStart).not.toMatch(/\.m3u8`[^.]*in a (player|browser)/);
    // The words it tells a newcomer to click are on the page.
    const page = renderStatusPage({
      version: 'v',
      cacheDir: '/c',
      startedAtMs: 0,
      nowMs: 0,
      lookups: {},
      packagingRuns: {},
      packagingFailed: 0,
      requests: 0,
      bytesServed: 0,
      renditions: [],
      renditionsFound: 0,
      scanComplete: true,
      playerScriptUrl: '/x.js',
    });
    expect(quickStart).toContain('**Browse the library**');
    expect(page).toContain('>Browse the library</a>');
  });

  it('lists the library browser among the origin routes', () => {
    expect(section('The origin: `casterpak serve`')).toContain(`\`GET ${LIBRARY_PATH}?dir=<dir>&page=<n>\``);
  });
});
