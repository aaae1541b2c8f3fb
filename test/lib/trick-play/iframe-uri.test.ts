import { describe, expect, it } from 'vitest';
import { CasterpakError } from '../../../src/lib/shared/errors.js';
import { iframePlaylistUrl, iframeSegmentUri, resolveSegmentUrl } from '../../../src/lib/trick-play/iframe-uri.js';

const playlist = new URL('http://origin.example:8080/hls/show/stream.m3u8?token=1');

describe('I-frame playlist segment URIs (relative URIs; RFC 3986 §5.2 resolution)', () => {
  it('puts the kfonly playlist one directory deeper: rel_path/kfonly/streamName.m3u8', () => {
    expect(iframePlaylistUrl(playlist).href).toBe('http://origin.example:8080/hls/show/kfonly/stream.m3u8');
  });

  it('prefixes relative URIs with ../ and keeps query strings', () => {
    expect(iframeSegmentUri('seg1.ts', playlist)).toBe('../seg1.ts');
    expect(iframeSegmentUri('sub/seg1.ts?x=1&y=2', playlist)).toBe('../sub/seg1.ts?x=1&y=2');
    expect(iframeSegmentUri('../other/seg1.ts', playlist)).toBe('../../other/seg1.ts');
    expect(iframeSegmentUri('/abs/seg1.ts', playlist)).toBe('/abs/seg1.ts');
  });

  it('each rewritten URI resolves from the kfonly playlist to the same segment as the source URI', () => {
    const kfonly = iframePlaylistUrl(playlist);
    for (const uri of [
      'seg1.ts',
      'sub/seg1.ts?x=1',
      '../other/seg1.ts',
      '/abs/seg1.ts',
      'http://origin.example:8080/hls/show/a/b.ts?q',
      'http://origin.example:8080/elsewhere/c.ts',
    ]) {
      expect(new URL(iframeSegmentUri(uri, playlist), kfonly).href, uri).toBe(new URL(uri, playlist).href);
    }
  });

  it("accepts absolute URIs on the playlist's own origin and writes them as references", () => {
    expect(iframeSegmentUri('http://origin.example:8080/hls/show/seg1.ts?q=1', playlist)).toBe('../seg1.ts?q=1');
    expect(iframeSegmentUri('//origin.example:8080/x/seg1.ts', playlist)).toBe('/x/seg1.ts');
  });

  it('refuses absolute URIs on another origin (scheme, host or port) with FORBIDDEN_HOST', () => {
    for (const uri of [
      'http://cdn.example/seg1.ts',
      'https://origin.example:8080/hls/show/seg1.ts',
      'http://origin.example:9090/seg1.ts',
      '//cdn.example/seg1.ts',
    ]) {
      try {
        iframeSegmentUri(uri, playlist);
        throw new Error(`accepted ${uri}`);
      } catch (error) {
        expect(error).toBeInstanceOf(CasterpakError);
        expect((error as CasterpakError).code).toBe('FORBIDDEN_HOST');
        expect((error as Error).message).toContain(`segment URI ${uri} is on another origin; trick play needs relative segment URIs`);
      }
    }
    expect(resolveSegmentUrl('seg1.ts', playlist).href).toBe('http://origin.example:8080/hls/show/seg1.ts');
  });

  it('treats file: playlists alike (local playlists refuse http segment URIs)', () => {
    const local = new URL('file:///srv/hls/show/stream.m3u8');
    expect(iframeSegmentUri('file:///srv/hls/show/seg1.ts', local)).toBe('../seg1.ts');
    expect(() => iframeSegmentUri('http://cdn.example/seg1.ts', local)).toThrow(/another origin/);
  });
});
