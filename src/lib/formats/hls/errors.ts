// A playlist that does not parse, or is the other kind. The format core says what is wrong in
// one line; the layer above decides what that means (a 502 for an upstream's playlist, a bug for
// one casterpak wrote), as it does for TsFormatError and Mp4FormatError.
export class PlaylistFormatError extends Error {
  constructor(reason: string, options?: ErrorOptions) {
    super(reason, options);
    this.name = 'PlaylistFormatError';
  }
}
