// A loaded segment index's segments (segment-index.ts), kept as columns of numbers rather than
// an object and five arrays per segment: the rendition store keeps the indexes of the films being
// watched (store/rendition-entries.ts), and as objects a 2-hour film's 720 segments held 357 KB
// of heap; as columns about 100 KB. A segment's object is made again when it is asked for.

// One segment of the index (segment-index.ts).
export interface IndexSegment {
  readonly extinf: string;
  /** Per index track: [first, end) of the samples the extract carries, and the first one's decode time. */
  readonly ranges: ReadonlyArray<readonly [number, number, number]>;
  /** The segment's records: where they start (from the first record of the index), then their bytes per index track. */
  readonly records: readonly number[];
  /** PES the extract run writes beyond the segment (dropped, see formats/mpegts/drop-trailing-pes.ts). */
  readonly lookahead: number;
  /** PES the segment holds per index track (the extract's minus the lookahead). */
  readonly pes: readonly number[];
  readonly span: readonly [number, number];
  readonly standalone: boolean;
  /** The segment's bytes as predicted (formats/mp42hls/segment-size.ts: exact, or a close upper bound). */
  readonly bytes: number;
}

// What the index's readers use of its segments.
export interface IndexSegments extends Iterable<IndexSegment> {
  readonly length: number;
  at(position: number): IndexSegment | undefined;
  /** The segment's predicted bytes alone, without making its object: a warm segment request asks (origin/rendition-routes.ts). */
  bytesAt(position: number): number | undefined;
}

// Per segment, for `tracks` index tracks: ranges (3 each), records (1 + 1 each), pes (1 each),
// lookahead, span (2), standalone, bytes (the last: bytesAt).
const fieldsOf = (tracks: number) => 3 * tracks + (1 + tracks) + tracks + 5;

class SegmentColumns implements IndexSegments {
  private readonly stride: number;

  constructor(
    private readonly tracks: number,
    private readonly extinfs: readonly string[],
    private readonly numbers: Float64Array,
  ) {
    this.stride = fieldsOf(tracks);
  }

  get length(): number {
    return this.extinfs.length;
  }

  private has(position: number): boolean {
    return Number.isInteger(position) && position >= 0 && position < this.length;
  }

  bytesAt(position: number): number | undefined {
    return this.has(position) ? this.numbers[(position + 1) * this.stride - 1] : undefined;
  }

  at(position: number): IndexSegment | undefined {
    if (!this.has(position)) return undefined;
    const n = this.numbers;
    const t = this.tracks;
    let at = position * this.stride;
    const take = (count: number) => Array.from(n.subarray(at, (at += count)));
    const ranges = Array.from({ length: t }, () => take(3) as unknown as readonly [number, number, number]);
    const records = take(1 + t);
    const pes = take(t);
    const [lookahead, spanStart, spanEnd, standalone, bytes] = take(5);
    return {
      extinf: this.extinfs[position],
      ranges,
      records,
      lookahead,
      pes,
      span: [spanStart, spanEnd],
      standalone: standalone === 1,
      bytes,
    };
  }

  *[Symbol.iterator](): Iterator<IndexSegment> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }
}

// `segments` as parsed from the header, for `tracks` index tracks; throws when one has not the
// fields of that many tracks (the caller's format error says which).
export function segmentColumns(segments: readonly IndexSegment[], tracks: number): IndexSegments {
  const stride = fieldsOf(tracks);
  const numbers = new Float64Array(segments.length * stride);
  let at = 0;
  const put = (value: unknown) => {
    if (typeof value !== 'number') throw new TypeError(`a segment field is ${typeof value}, not a number`);
    numbers[at++] = value;
  };
  for (const s of segments) {
    if (typeof s.extinf !== 'string' || typeof s.standalone !== 'boolean')
      throw new TypeError('a segment without its duration or whether it stands alone');
    if (s.ranges.length !== tracks || s.records.length !== 1 + tracks || s.pes.length !== tracks || s.span.length !== 2)
      throw new TypeError(`a segment has not the fields of ${tracks} tracks`);
    for (const range of s.ranges) for (let k = 0; k < 3; k++) put(range[k]);
    s.records.forEach(put);
    s.pes.forEach(put);
    [s.lookahead, s.span[0], s.span[1], s.standalone ? 1 : 0, s.bytes].forEach(put);
  }
  return new SegmentColumns(
    tracks,
    segments.map((s) => s.extinf),
    numbers,
  );
}
