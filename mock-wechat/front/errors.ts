// A problem with the TLS front that the person starting it must fix (an unreadable data directory, a CA file that
// is not a CA): the message is one line naming the file and what to do.
export class MockTlsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MockTlsError';
  }
}
