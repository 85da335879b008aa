/**
 * Words Bitbucket Cloud and Bitbucket Data Center share in their Code Insights reports: an annotation's severity
 * for each level of a Loom finding. Each adapter's `reports.ts` writes its own API's report around them.
 */
import type { CheckAnnotation } from "./types.ts";

/** Code Insights severity of a finding's annotation level. */
export const CODE_INSIGHTS_SEVERITY: Readonly<Record<CheckAnnotation["level"], string>> = {
  failure: "HIGH",
  warning: "MEDIUM",
  notice: "LOW",
};
