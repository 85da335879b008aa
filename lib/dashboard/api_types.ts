/**
 * The JSON API's inputs (zod schemas, validated by the routes) and responses. Islands import only the types, so
 * zod stays out of the browser bundles.
 */
import { z } from "zod";
import type { Overview } from "./overview.ts";
import type { AnalyticsData } from "../db/analytics.ts";
import type { ReviewLive } from "./review_live.ts";

export const AnalyticsQuery = z.object({ days: z.coerce.number().int().min(7).max(365).default(30) });
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;

export const PromptPreviewInput = z.object({
  body: z.string().max(100_000),
  title: z.string().max(300).default("Add rate limiting to the login endpoint"),
});
export type PromptPreviewInput = z.infer<typeof PromptPreviewInput>;

export const RepoPatchInput = z.object({ paused: z.boolean() });
export type RepoPatchInput = z.infer<typeof RepoPatchInput>;

/** `POST /api/repos`: connect a repository the organization's credential can read (`lib/tenancy/connect.ts`). */
export const RepoConnectInput = z.object({
  platform: z.enum(["github", "gitlab", "gitea", "bitbucket", "azure_devops"]),
  fullName: z.string().min(1).max(300),
});
export type RepoConnectInput = z.infer<typeof RepoConnectInput>;

export interface RepoConnected {
  id: number;
  platform: string;
  fullName: string;
  platformRepoId: string;
  webhookUrl: string;
  /** Shown once here; the repository's page shows it again to admins. */
  webhookSecret: string;
}
export interface PromptPreview {
  system: string;
  user: string;
  /** Rough size of the system prompt, to keep prompts within budget. */
  approxTokens: number;
}

/** Every API route with its input and output, for the typed client. */
export interface ApiRoutes {
  "GET /api/reviews": { input: undefined; output: Overview };
  "GET /api/reviews/:id": { input: { id: number }; output: ReviewLive };
  "GET /api/analytics": { input: Partial<AnalyticsQuery>; output: AnalyticsData };
  "POST /api/prompts/preview": { input: PromptPreviewInput; output: PromptPreview };
  "POST /api/repos": { input: RepoConnectInput; output: RepoConnected };
  "PATCH /api/repos/:id": { input: RepoPatchInput & { id: number }; output: { id: number; paused: boolean } };
}
