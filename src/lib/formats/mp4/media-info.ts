// What masters and source checks need to know of an MP4: its tracks, codecs and duration.
export interface TrackInfo {
  readonly id: number;
  readonly type: 'video' | 'audio' | 'other';
  readonly codec: string; // e.g. avc1.64001F, mp4a.40.2
  readonly codingName: string;
  readonly durationMs: number;
  readonly bitrateKbps: number;
  readonly width?: number;
  readonly height?: number;
  readonly frameRate?: number;
  /** Audio: the MP4's language (ISO 639-2 or BCP 47, 'und' unset), its default flag, its channels. */
  readonly language?: string;
  readonly default?: boolean;
  readonly channels?: number;
}

export interface MediaInfo {
  readonly durationMs: number;
  readonly tracks: readonly TrackInfo[];
  readonly fragmented: boolean;
}
