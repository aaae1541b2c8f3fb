// Builds small synthetic MPEG-TS byte streams for scanner tests: PAT/PMT sections, PES packets
// split into 188-byte TS packets (stuffed through the adaptation field) and Annex-B NAL units.
export const PMT_PID = 0x1000;
export const VIDEO_PID = 0x100;
export const AUDIO_PID = 0x101;

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// One TS packet; a short payload is padded by adaptation-field stuffing, as muxers do.
export function packet(pid: number, unitStart: boolean, payload: Uint8Array, options: { scrambled?: boolean } = {}): Uint8Array {
  if (payload.length > 184) throw new RangeError('payload over 184 bytes');
  const p = new Uint8Array(188);
  p[0] = 0x47;
  p[1] = (unitStart ? 0x40 : 0) | ((pid >> 8) & 0x1f);
  p[2] = pid & 0xff;
  const scrambling = options.scrambled ? 0x80 : 0;
  if (payload.length === 184) {
    p[3] = scrambling | 0x10;
    p.set(payload, 4);
  } else {
    p[3] = scrambling | 0x30;
    p[4] = 183 - payload.length;
    if (p[4] > 0) p[5] = 0x00;
    p.fill(0xff, 6, 5 + p[4]);
    p.set(payload, 5 + p[4]);
  }
  return p;
}

// A PSI section in one packet: pointer_field 0, section, 0xFF filler.
function psiPacket(pid: number, section: number[]): Uint8Array {
  const payload = new Uint8Array(184).fill(0xff);
  payload[0] = 0;
  payload.set([...section, 0, 0, 0, 0], 1); // CRC_32 is not checked by the scanner
  return packet(pid, true, payload);
}

export function pat(pmtPid = PMT_PID): Uint8Array {
  return psiPacket(0, [0x00, 0xb0, 13, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xe0 | (pmtPid >> 8), pmtPid & 0xff]);
}

export function pmtSection(streams: ReadonlyArray<{ type: number; pid: number; info?: number }>): number[] {
  const body: number[] = [0x00, 0x01, 0xc1, 0x00, 0x00, 0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0x00];
  for (const s of streams) {
    const info = s.info ?? 0;
    body.push(s.type, 0xe0 | (s.pid >> 8), s.pid & 0xff, 0xf0 | (info >> 8), info & 0xff, ...new Array(info).fill(0x0a));
  }
  const length = body.length + 4;
  return [0x02, 0xb0 | (length >> 8), length & 0xff, ...body];
}

export function pmt(
  streams: ReadonlyArray<{ type: number; pid: number }> = [
    { type: 0x1b, pid: VIDEO_PID },
    { type: 0x0f, pid: AUDIO_PID },
  ],
  pmtPid = PMT_PID,
): Uint8Array {
  return psiPacket(pmtPid, pmtSection(streams));
}

// A PES carrying `es`, cut into TS packets; `firstPayloadMax` shortens the first packet's payload
// (a big adaptation field) to push the PES header across packets.
export function pes(
  pid: number,
  es: Uint8Array,
  options: { pts?: number; streamId?: number; firstPayloadMax?: number; scrambled?: boolean } = {},
): Uint8Array {
  const header: number[] = [0x00, 0x00, 0x01, options.streamId ?? 0xe0, 0x00, 0x00, 0x80];
  if (options.pts === undefined) {
    header.push(0x00, 0x00);
  } else {
    const pts = options.pts;
    const high = Math.floor(pts / 2 ** 30) & 0x07;
    const low = pts % 2 ** 30;
    header.push(
      0x80,
      0x05,
      0x21 | (high << 1),
      (low >> 22) & 0xff,
      (((low >> 15) & 0x7f) << 1) | 1,
      (low >> 7) & 0xff,
      ((low & 0x7f) << 1) | 1,
    );
  }
  const data = concat(new Uint8Array(header), es);
  const packets: Uint8Array[] = [];
  let at = 0;
  while (at < data.length) {
    const max = at === 0 && options.firstPayloadMax !== undefined ? options.firstPayloadMax : 184;
    const take = Math.min(max, data.length - at);
    packets.push(packet(pid, at === 0, data.subarray(at, at + take), { scrambled: options.scrambled }));
    at += take;
  }
  return concat(...packets);
}

// An Annex-B NAL unit: 4-byte start code, header byte(s), `size` filler bytes (never 0x00).
export function nal(type: number, size = 20, hevc = false): Uint8Array {
  const header = hevc ? [type << 1, 0x01] : [0x60 | type];
  return concat(new Uint8Array([0, 0, 0, 1, ...header]), new Uint8Array(size).fill(0xaa));
}

// An H.264 access unit: AUD, then SPS+PPS for key frames, then one slice (IDR 5 or non-IDR 1).
export function h264Au(key: boolean, sliceSize = 400, paramSets = key): Uint8Array {
  return concat(nal(9, 1), ...(paramSets ? [nal(7, 10), nal(8, 4)] : []), nal(key ? 5 : 1, sliceSize));
}

// An HEVC access unit: AUD(35), VPS/SPS/PPS for key frames, then a slice of `type`.
export function hevcAu(type: number, paramSets: boolean, sliceSize = 400): Uint8Array {
  return concat(
    nal(35, 1, true),
    ...(paramSets ? [nal(32, 10, true), nal(33, 10, true), nal(34, 4, true)] : []),
    nal(type, sliceSize, true),
  );
}
