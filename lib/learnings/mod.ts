/**
 * Learnings: rules a team taught Loom (from `@loom ignore … because …`, a conceded dispute, a 👎 reaction, the
 * dashboard or an imported file), scoped to a repository or an organization and optionally to path globs. Reviews
 * give the matching rules to the model as team guidance and hold back findings a learning suppresses.
 */
export {
  activeLearningsFor,
  deleteLearning,
  getLearning,
  type Learning,
  type LearningChange,
  type LearningSource,
  type LearningSourceKind,
  type LearningStatus,
  type LearningSuppress,
  listLearnings,
  listOrgLearnings,
  type OrgLearning,
} from "../db/learnings.ts";
export {
  exportLearnings,
  importLearnings,
  LearningsFileError,
  MAX_LEARNINGS_FILE_CHARS,
  parseLearningsFile,
} from "./yaml.ts";
export {
  checkPathGlobs,
  checkRule,
  checkSuppress,
  LearningInputError,
  MAX_PATH_GLOBS,
  MAX_RULE_CHARS,
  proposeLearning,
  type ProposeLearningInput,
} from "./propose.ts";
export { editLearning } from "./edit.ts";
export {
  DEFAULT_LEARNING_BUDGET,
  type LearningBudget,
  learningCovers,
  learningsForPaths,
  partitionByLearnings,
  suppressingLearning,
} from "./match.ts";
