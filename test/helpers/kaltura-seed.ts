// The seed's Kaltura playManifest master (test/fixtures/playlists/kaltura-master.m3u8), the path
// it is asked for on the upstream, and the flavors it names mapped to the committed fixtures.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_DIR } from './bento4.js';

export const SEED_MASTER = readFileSync(path.join(REPO_DIR, 'test/fixtures/playlists/kaltura-master.m3u8'), 'utf8');
export const MANIFEST =
  '/p/1251832/sp/125183200/playManifest/entryId/1_4s1rg2d4/flavorIds/1_pj9w1e1t,1_qrt09hao/format/applehttp/protocol/https/a.m3u8';
export const RENDITIONS = {
  '20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4': 'av.mp4',
  '20220404/1251/1_5q8yua9n_1_t2rfozqd_1.mp4': 'av-no-bframes.mp4',
  '20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4': 'av-2997.mp4',
};
