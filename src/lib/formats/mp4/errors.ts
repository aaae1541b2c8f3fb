// Malformed or unsupported MP4 input. The message is one line naming what was wrong, so an
// I/O layer can log it or show it to a user without a stack trace.

// Callers must tell bad media (refuse the source) apart from bugs and I/O failures.
export class Mp4FormatError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Mp4FormatError';
  }
}
