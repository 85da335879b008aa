import type { CommentThread, PlatformId } from "../platforms/types.ts";
import type { ReviewAction } from "../pull_request.ts";

export type JobStatus = "pending" | "in_progress" | "completed" | "failed" | "cancelled";

/** Payloads of every job type; `enqueue` and the worker's task registry are checked against it. */
export interface TaskPayloads {
  review_pull_request: {
    platform: PlatformId;
    repoId: number;
    repo: string;
    number: number;
    headSha: string;
    baseSha: string;
    baseRef: string;
    headRef: string;
    title: string;
    author: string;
    authorIsBot: boolean;
    draft: boolean;
    action: ReviewAction;
    deliveryId?: string;
    /** The webhook's word on the pull-request author's write access, when it had one. */
    authorCanWrite?: boolean;
    /** Whether the webhook said the repository is public; absent counts as private (no author budget). */
    repoPublic?: boolean;
  };
  /** A `@loom …` command in a pull-request comment (`lib/commands`). */
  pull_request_command: {
    platform: PlatformId;
    repoId: number;
    repo: string;
    number: number;
    commentId: string;
    body: string;
    author: string;
    /** The platform's stable id of the author, for permission lookups (`CommentEvent.authorId`). */
    authorId?: string;
    deliveryId: string;
    /** Whether the webhook said the repository is public; absent counts as private (no author budget). */
    repoPublic?: boolean;
    /** The review thread the comment was written in: a reply there is answered there (`lib/commands/converse.ts`). */
    thread?: CommentThread;
  };
  /** Describing a newly opened pull request when its repository asks (`describe.auto`, `lib/describe/job.ts`). */
  describe_pull_request: {
    platform: PlatformId;
    repoId: number;
    repo: string;
    number: number;
    /** The `opened` delivery whose review scheduled it (`""` when that review had none). */
    deliveryId: string;
  };
}

export type JobType = keyof TaskPayloads;

export interface Job<T extends JobType = JobType> {
  id: number;
  type: T;
  payload: TaskPayloads[T];
  status: JobStatus;
  priority: number;
  runAt: number;
  attempts: number;
  maxAttempts: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  dedupeKey: string | null;
  groupKey: string | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** Maps a camelCased `jobs` row (payload still JSON text) to a `Job`. */
export function toJob(row: Record<string, unknown>): Job {
  return {
    ...(row as unknown as Job),
    id: Number(row.id),
    payload: JSON.parse(String(row.payload)),
    priority: Number(row.priority),
    runAt: Number(row.runAt),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.maxAttempts),
    lockedUntil: row.lockedUntil === null ? null : Number(row.lockedUntil),
    createdAt: Number(row.createdAt),
    updatedAt: Number(row.updatedAt),
    finishedAt: row.finishedAt === null ? null : Number(row.finishedAt),
  };
}

/** Thrown by a task to say the job must not be retried (bad config, pull request gone). */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PermanentJobError";
  }
}
