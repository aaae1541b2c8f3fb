// nginx-vod-module (kaltura/nginx-vod-module, built by bench/vod/build.sh) as the cold bench's
// anchor: one worker, HLS, no metadata, mapping or response cache (every request parses the
// MP4 again, as a cold casterpak does once), under URLs that mirror casterpak's:
//   /i/<path>.mp4/index_0_av.m3u8, /i/<path>.mp4/segment<N>_0_av.ts   local files (vod_mode local)
//   /r/<path>.mp4/…                                                  the same through HTTP (vod_mode remote)
//   /i/<path>.mp4/fmp4/segment<N>_0_v.m4s                            its fMP4 video segment (local)
// All are rewritten to the module's own names (index.m3u8, seg-<N>.ts, seg-<N>-v1.m4s under
// `vod_hls_container_format fmp4`, all 1-based like casterpak's); the names its playlists list
// (seg-<N>-v1-a1.ts) pass through unchanged.
// Segments are cut at key frames (vod_align_segments_to_key_frames, as mp42hls cuts) every
// `segmentDuration` seconds, and the playlist lists exact durations (accurate mode), as
// casterpak's does.
import path from 'node:path';
import { startNginx } from './processes.js';

export async function startVod({ binary, dir, library, upstreamUrl, segmentDuration }) {
  const common = [
    'vod hls;',
    `vod_segment_duration ${segmentDuration * 1000};`,
    'vod_align_segments_to_key_frames on;',
    'vod_manifest_segment_durations_mode accurate;',
    'vod_hls_absolute_index_urls off;',
  ].join(' ');
  const server = [
    'location = /healthz { return 200 ok; }',
    'location /i/ {',
    '  rewrite ^/i/(.+\\.mp4)/fmp4/segment(\\d+)_0_v\\.m4s$ /vod-fmp4/$1/seg-$2-v1.m4s last;',
    '  rewrite ^/i/(.+\\.mp4)/index_0_av\\.m3u8$ /vod-local/$1/index.m3u8 last;',
    '  rewrite ^/i/(.+\\.mp4)/segment(\\d+)_0_av\\.ts$ /vod-local/$1/seg-$2.ts last;',
    '  rewrite ^/i/(.+)$ /vod-local/$1 last;',
    '}',
    'location /r/ {',
    '  rewrite ^/r/(.+\\.mp4)/index_0_av\\.m3u8$ /vod-remote/$1/index.m3u8 last;',
    '  rewrite ^/r/(.+\\.mp4)/segment(\\d+)_0_av\\.ts$ /vod-remote/$1/seg-$2.ts last;',
    '  rewrite ^/r/(.+)$ /vod-remote/$1 last;',
    '}',
    `location /vod-local/ { internal; alias ${library}/; vod_mode local; ${common} }`,
    `location /vod-fmp4/ { internal; alias ${library}/; vod_mode local; vod_hls_container_format fmp4; ${common} }`,
    `location /vod-remote/ { internal; vod_mode remote; vod_upstream_location /upstream; ${common} }`,
    // The module asks /upstream/<its URI>: the static server's path is the part after /vod-remote.
    `location ^~ /upstream/ { internal; rewrite ^/upstream/vod-remote/(.*)$ /$1 break; proxy_pass ${upstreamUrl}; }`,
  ].join('\n    ');
  const http = ['access_log off;', 'sendfile on;', 'keepalive_requests 100000;'];
  return startNginx(path.join(dir), http, server, binary);
}
