/**
 * `UnreviewableError`: a review that cannot succeed by trying again (the repository was disconnected, the
 * pull request is gone). `retryable: false` is what tells the queue to fail the job at once; nothing in
 * `lib/review` needs the queue's own error type.
 */
export class UnreviewableError extends Error {
  /** Always false: only a person can fix what this error names. */
  readonly retryable = false;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnreviewableError";
  }
}
