// Malformed or unsupported MPEG-TS input. The message is one line naming what was wrong (and,
// where the reader knows them, the segment and the byte offset), so the layer above can answer
// with it as it is.

// Malformed: the bytes break ISO/IEC 13818-1. Unsupported: well-formed, but not something
// casterpak reads (scrambled or SAMPLE-AES video, no H.264 or HEVC stream).
type TsErrorKind = 'malformed' | 'unsupported';

// Callers must tell bad transport streams apart from bugs and I/O failures.
export class TsFormatError extends Error {
  readonly kind: TsErrorKind;
  constructor(reason: string, kind: TsErrorKind = 'malformed') {
    super(reason);
    this.name = 'TsFormatError';
    this.kind = kind;
  }
}
