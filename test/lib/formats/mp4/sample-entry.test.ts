// parseStsd on a QuickTime sound description (QuickTime File Format, "Sound sample description
// extensions"): version 1 with its `wave` holding frma, esds and the terminator atom ffmpeg
// writes for `-f mov` (size 8, type 0), which is no box.
import { describe, expect, it } from 'vitest';
import { readBoxHeader } from '../../../../src/lib/formats/mp4/boxes.js';
import { box, concat, fullBox, uint32 } from '../../../../src/lib/formats/mp4/box-writer.js';
import { parseStsd } from '../../../../src/lib/formats/mp4/sample-entry.js';

// ES_Descriptor (tag 3) > DecoderConfigDescriptor (tag 4, AAC 0x40, audio stream) > DecoderSpecificInfo
// (tag 5: AAC LC, 48 kHz, mono = 0x11 0x88), lengths in one byte each (ISO/IEC 14496-1 §8.3.3).
const ESDS = fullBox('esds', 0, 0, [
  new Uint8Array([3, 25, 0, 1, 0, 4, 17, 0x40, 0x15, 0, 0, 0, 0, 0, 0x7d, 0, 0, 0, 0x7d, 0, 5, 2, 0x11, 0x88, 6, 1, 2]),
]);

function stsdWith(wave: Uint8Array): Uint8Array {
  const sampleEntry = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]); // reserved, data_reference_index 1
  // version 1, revision, vendor; channels 1; 16 bits; compression id -2; packet size; 48000 (16.16)
  const sound = new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 16, 0xff, 0xfe, 0, 0, 0xbb, 0x80, 0, 0]);
  const v1 = new Uint8Array(16); // samples per packet, bytes per packet, per frame, per sample
  return fullBox('stsd', 0, 0, [uint32(1), box('mp4a', [sampleEntry, sound, v1, wave])]);
}

describe('parseStsd, QuickTime audio', () => {
  it('reads the esds inside `wave` up to its terminator atom', () => {
    const terminator = new Uint8Array([0, 0, 0, 8, 0, 0, 0, 0]);
    const wave = box('wave', [box('frma', [new Uint8Array([0x6d, 0x70, 0x34, 0x61])]), box('mp4a', [uint32(0)]), ESDS, terminator]);
    const bytes = stsdWith(wave);
    const info = parseStsd(bytes, readBoxHeader(bytes, 0), 'soun');
    expect(info).toMatchObject({ format: 'mp4a', channelCount: 1, sampleRate: 48000 });
    expect(info.esds).toMatchObject({ objectTypeIndication: 0x40, audioObjectType: 2, samplingFrequency: 48000 });
  });

  it('still refuses a box with a non-ASCII type that is not a terminator', () => {
    const wave = box('wave', [ESDS, concat([uint32(12), uint32(0), uint32(0)])]);
    const bytes = stsdWith(wave);
    expect(() => parseStsd(bytes, readBoxHeader(bytes, 0), 'soun')).toThrow(/non-ASCII/);
  });
});
