// video.js with its HLS engine VHS (@videojs/http-streaming, bundled in video.js, from
// node_modules) in the distribution's Chromium against `casterpak serve`: a csmil master of two
// renditions plays through Media Source Extensions with audio decoded, seeks near its end, and
// switches rendition when told to (VHS's representations API).
import { describe, expect } from 'vitest';
import { commonPlayerTests, playerSuite } from './helpers/player-suite.js';

const suite = playerSuite('videojs');

describe('video.js (VHS) in Chromium plays casterpak output', () => {
  commonPlayerTests(suite, (versions) => {
    expect(versions['video.js']).toMatch(/^8\./);
    expect(versions['@videojs/http-streaming']).toMatch(/^3\./);
  });
});
