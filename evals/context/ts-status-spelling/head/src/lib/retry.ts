export interface RetryOptions {
  /** Tries in all, the first one included. */
  attempts: number;
  delayMs: number;
}

export async function retry<T>(run: () => Promise<T>, options: RetryOptions): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      return await run();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, options.delayMs * attempt));
    }
  }
  throw lastError;
}
