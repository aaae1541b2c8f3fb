// Access-unit bookkeeping for the key-frame scanner (docs/trick-play.md): a PES with a PTS
// starts an access unit, a PES without one continues the previous access unit unless it opens
// with an access unit delimiter; the unit's first VCL NAL unit decides whether it is a key frame.
import { type VideoFormat, parseH264Sps } from './h264-sps.js';
import { parseHevcSps } from './hevc-sps.js';
import { AccessUnitScanner, startsWithAud } from './nal.js';
import { unwrapPts } from './pes.js';
import { TS_PACKET_SIZE } from './packet.js';

export interface KeyFrame {
  /** byte offset of the first TS packet of the key frame's PES */
  readonly offset: number;
  /** whole TS packets up to the last video packet of the access unit */
  readonly size: number;
  /** 90 kHz, unwrapped relative to the segment's first PTS */
  readonly pts: number;
  readonly ptsSeconds: number;
  /** SPS and PPS (and VPS for HEVC) precede the picture inside the range */
  readonly paramSets: boolean;
}

export class AccessUnitTracker {
  readonly scanner: AccessUnitScanner;
  readonly keyFrames: KeyFrame[] = [];
  untimedKeyFrames = 0;
  accessUnits = 0;
  firstPts: number | undefined;
  private open = false;
  private offset = 0;
  private pts = Number.NaN;
  private lastPts = Number.NaN;
  private maxPts = Number.NaN;
  private minStep = Number.POSITIVE_INFINITY;

  constructor(private readonly hevc: boolean) {
    this.scanner = new AccessUnitScanner(hevc);
  }

  // A PES header ended at `position` in the packet ending at `end`. `rawPts` is -1 without PTS;
  // `lastBefore` is the last video packet before this PES, where a closed access unit ends.
  onPes(bytes: Uint8Array, position: number, end: number, rawPts: number, pesOffset: number, lastBefore: number): void {
    if (rawPts >= 0) {
      this.close(lastBefore);
      this.start(pesOffset, this.unwrap(rawPts));
    } else if (!this.open || startsWithAud(bytes, position, end, this.hevc)) {
      this.close(lastBefore);
      this.start(pesOffset, Number.NaN);
    }
    this.scanner.scan(bytes, position, end);
  }

  finish(lastVideoPacket: number): void {
    this.close(lastVideoPacket);
  }

  endPts(): number | undefined {
    if (Number.isNaN(this.maxPts)) return undefined;
    return this.maxPts + (Number.isFinite(this.minStep) ? this.minStep : 0);
  }

  format(): VideoFormat | undefined {
    if (this.scanner.spsLength === 0) return undefined;
    const sps = this.scanner.sps.subarray(0, this.scanner.spsLength);
    return (this.hevc ? parseHevcSps(sps) : parseH264Sps(sps)) ?? undefined;
  }

  private unwrap(raw: number): number {
    if (this.firstPts === undefined) {
      this.firstPts = raw;
      return raw;
    }
    return unwrapPts(raw, this.lastPts);
  }

  private start(offset: number, pts: number): void {
    this.open = true;
    this.offset = offset;
    this.pts = pts;
    this.accessUnits++;
    this.scanner.startAccessUnit();
    if (Number.isNaN(pts)) return;
    if (!Number.isNaN(this.lastPts)) {
      const step = Math.abs(pts - this.lastPts);
      if (step > 0 && step < this.minStep) this.minStep = step;
    }
    this.lastPts = pts;
    if (!(pts <= this.maxPts)) this.maxPts = pts;
  }

  private close(lastPacket: number): void {
    if (!this.open) return;
    this.open = false;
    const scanner = this.scanner;
    if (!scanner.vclFound || !scanner.key) return;
    if (Number.isNaN(this.pts)) {
      this.untimedKeyFrames++;
      return;
    }
    this.keyFrames.push({
      offset: this.offset,
      size: lastPacket + TS_PACKET_SIZE - this.offset,
      pts: this.pts,
      ptsSeconds: this.pts / 90000,
      paramSets: scanner.hasParamSets(),
    });
  }
}
