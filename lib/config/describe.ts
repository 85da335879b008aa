/** The `describe` section of `.loom/config.yaml`: Loom's generated part of a pull request's description. */
import { z } from "zod";

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const DescribeConfig = z.object({
  auto: z.boolean().default(false).describe(
    "Describe every newly opened pull request without being asked. `@loom describe` works either way.",
  ),
  location: z.enum(["description", "comment"]).default("description").describe(
    "Where the description goes: a marked section of the pull request's description (the author's text is never " +
      "changed; a platform that cannot edit it gets a comment), or always one comment of Loom's.",
  ),
  title: z.boolean().default(true).describe("Suggest a title (Loom never changes the title itself)."),
  walkthrough: z.boolean().default(true).describe(
    "A table with one line per changed file; on a large pull request, the riskiest files that fit the size " +
      "budget, and the others listed by name.",
  ),
  diagram: z.boolean().default(true).describe(
    "A Mermaid sequence diagram when the change spans several components that call each other.",
  ),
  model: z.string().regex(NAME_PATTERN, {
    error: 'Must start with a letter or digit and use only letters, digits, ".", "-" and "_"',
  }).default("default").describe("The model (a name in `models`) that writes the description."),
}).strict();
export type DescribeConfig = z.infer<typeof DescribeConfig>;
