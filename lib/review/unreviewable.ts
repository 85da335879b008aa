/**
 * `UnreviewableError`: a review that cannot succeed by trying again (no credential for the platform, the
 * repository was disconnected). `retryable: false` is what tells the queue to fail the job at once; nothing in
 * `lib/review` needs the queue's own error type.
 */
export class UnreviewableError extends Error {
  /** Always false: only a person can fix what this error names. */
  readonly retryable = false;
  /** What that person should do, in plain words. */
  readonly nextStep?: string;

  constructor(message: string, options?: ErrorOptions & { nextStep?: string }) {
    super(message, options);
    this.name = "UnreviewableError";
    this.nextStep = options?.nextStep;
  }
}
