import { describe, expect, it } from 'vitest';
import { RAW_IFRAMES, RAW_PLAYLIST, RAW_SEGMENT_TEMPLATE, buildMp42hlsArgs } from '../../../src/lib/packaging/mp42hls-args.js';

describe('buildMp42hlsArgs', () => {
  it('writes raw names into the output directory, the source last', () => {
    expect(buildMp42hlsArgs({ source: '/lib/a b.mp4', outDir: '/c/.tmp/k', segmentDuration: 10 })).toEqual([
      '--segment-duration',
      '10',
      '--index-filename',
      `/c/.tmp/k/${RAW_PLAYLIST}`,
      '--segment-filename-template',
      `/c/.tmp/k/${RAW_SEGMENT_TEMPLATE}`,
      '--segment-url-template',
      RAW_SEGMENT_TEMPLATE,
      '/lib/a b.mp4', // one argument, never through a shell
    ]);
  });

  it('adds Bento4 I-frame index options only when asked', () => {
    const args = buildMp42hlsArgs({ source: 's.mp4', outDir: '/o', segmentDuration: 2, iframeIndex: true });
    expect(args.slice(-5)).toEqual(['--hls-version', '4', '--iframe-index-filename', `/o/${RAW_IFRAMES}`, 's.mp4']);
    expect(buildMp42hlsArgs({ source: 's.mp4', outDir: '/o', segmentDuration: 2 })).not.toContain('--iframe-index-filename');
  });

  it('sends the segments to stdout when asked, the playlist still naming them by the template', () => {
    const args = buildMp42hlsArgs({ source: 's.mp4', outDir: '/o', segmentDuration: 2, segmentsToStdout: true });
    expect(args[args.indexOf('--segment-filename-template') + 1]).toBe('-stdout');
    expect(args[args.indexOf('--segment-url-template') + 1]).toBe(RAW_SEGMENT_TEMPLATE);
    expect(args[args.indexOf('--index-filename') + 1]).toBe(`/o/${RAW_PLAYLIST}`);
  });

  it('keeps the segment template a single %d printf field', () => {
    expect(RAW_SEGMENT_TEMPLATE.match(/%/g)).toHaveLength(1);
    expect(RAW_SEGMENT_TEMPLATE).toContain('%d');
  });
});
