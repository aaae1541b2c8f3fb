// Oracles for a served fMP4 form and DASH manifest that do not use casterpak's own code: ffprobe's
// packets and ffmpeg's decode of init + segments, Python's strict XML parser for an MPD.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../../helpers/temp-dir.js';

export const extinfs = (playlist: string) => playlist.split('\n').filter((l) => l.startsWith('#EXTINF:'));

// The packets ffprobe reads of `stream` in a file: times, sizes, the key flag and data hashes.
// (Its discard flag is left out: ffmpeg sets it on the edit list's priming samples of a
// progressive MP4 only, from the same edit list.)
export function probePackets(file: string, stream = 0): string[] {
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      String(stream),
      '-show_data_hash',
      'MD5',
      '-show_entries',
      'packet=pts,dts,size,flags,data_hash',
      '-of',
      'json',
      file,
    ],
    { maxBuffer: 64 << 20 },
  );
  const { packets } = JSON.parse(out.toString()) as {
    packets: { pts: number; dts: number; size: string; flags: string; data_hash: string }[];
  };
  return packets.map((p) => `${p.pts},${p.dts},${p.size},${p.flags.slice(0, 1)},${p.data_hash}`);
}

// Init + segments in one file, decoded by ffmpeg with errors fatal; returns the file.
export function decodeAll(parts: readonly Uint8Array[]): string {
  const file = path.join(tempDir('casterpak-fmp4-served-'), 'all.mp4');
  writeFileSync(file, Buffer.concat(parts));
  execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return file;
}

export interface MpdRepresentation {
  readonly id: string;
  readonly contentType: string;
  readonly codecs: string;
  readonly timescale: number;
  readonly initialization: string;
  readonly media: string;
  readonly startNumber: number;
  readonly timeline: { t: number | null; d: number; r: number }[];
}

// Python's ElementTree (strict XML 1.0, namespaces) reading what a DASH client needs.
const READ_MPD = `
import json, sys, xml.etree.ElementTree as ET
ns = {'d': 'urn:mpeg:dash:schema:mpd:2011'}
root = ET.fromstring(sys.stdin.buffer.read())
assert root.tag == '{urn:mpeg:dash:schema:mpd:2011}MPD', root.tag
assert root.get('type') == 'static'
reps = []
for aset in root.findall('d:Period/d:AdaptationSet', ns):
    for rep in aset.findall('d:Representation', ns):
        tpl = rep.find('d:SegmentTemplate', ns)
        ss = tpl.findall('d:SegmentTimeline/d:S', ns)
        reps.append({'id': rep.get('id'), 'contentType': aset.get('contentType'), 'codecs': rep.get('codecs'),
          'timescale': int(tpl.get('timescale')), 'initialization': tpl.get('initialization'), 'media': tpl.get('media'),
          'startNumber': int(tpl.get('startNumber', '1')),
          'timeline': [{'t': int(s.get('t')) if s.get('t') else None, 'd': int(s.get('d')), 'r': int(s.get('r', '0'))} for s in ss]})
print(json.dumps({'duration': root.get('mediaPresentationDuration'), 'representations': reps}))
`;

export function readMpd(text: string): { duration: string; representations: MpdRepresentation[] } {
  return JSON.parse(execFileSync('python3', ['-c', READ_MPD], { input: text }).toString()) as {
    duration: string;
    representations: MpdRepresentation[];
  };
}

// Every media URL a Representation's SegmentTemplate implies, with each segment's start time.
export function impliedSegments(rep: MpdRepresentation): { url: string; t: number; d: number }[] {
  const out: { url: string; t: number; d: number }[] = [];
  let t = 0;
  let number = rep.startNumber;
  for (const s of rep.timeline) {
    if (s.t !== null) t = s.t;
    for (let i = 0; i <= s.r; i++) {
      out.push({ url: rep.media.replace('$Number$', String(number++)), t, d: s.d });
      t += s.d;
    }
  }
  return out;
}
