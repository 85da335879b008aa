/**
 * `deno task eval --context-only`: does the code index put the code a reviewer needs beside the diff, and at what
 * token cost? For every case of `evals/context/` (`eval_context_cases.ts`) the index is built from the head
 * files, `selectContext` runs over the diff's files as the review shows them, and the blocks it gives are scored
 * against the case's needed definitions. No model is called; tokens are counted with the o200k tokenizer.
 *
 * Budgets are a share of today's prompt: P is the tokens of one review call without context (rules, title, the
 * numbered diff with the review's context lines, and the `bugs` step's instructions). At budget factor f the
 * context may add at most f × P tokens to that call, its headings and fence included, so f = 0.5 keeps the call
 * within 1.5 × today's. A needed definition counts as covered when every one of its lines is inside a block
 * given for its path and its text shows that line (`coveredDefinitions`).
 */
import {
  buildCodeIndex,
  type CodeContextBlock,
  type CodeIndex,
  type ContextRequest,
  type ContextSelection,
  selectContext,
} from "../lib/codebase/mod.ts";
import { BUILTIN_PROMPTS } from "../lib/config/load.ts";
import type { TokenCounter } from "../lib/llm/tokens.ts";
import { loadO200kCounter } from "../lib/llm/openai_tokens.ts";
import { buildReviewMessages, renderNumberedDiff } from "../lib/review/prompt.ts";
import { type ContextCase, loadContextCases, type NeededDefinition } from "./eval_context_cases.ts";
import type { CommandIo } from "./io.ts";

/** The case folder shipped with Loom, relative to the repository root. */
export const DEFAULT_CONTEXT_CASES = "evals/context";
/** Budget factors reported unless `--budgets` says otherwise; the headline is `HEADLINE_BUDGET`. */
export const DEFAULT_BUDGETS: readonly number[] = [0.25, 0.5, 1];
/** The budget of the acceptance figure: the call stays within 1.5 × today's prompt. */
export const HEADLINE_BUDGET = 0.5;
/** Selections tried per budget: each retry shrinks the block budget by what headings and fence overshot. */
const FIT_ATTEMPTS = 4;

/** What one case scored at one budget. */
export interface BudgetResult {
  /** Share of the diff prompt the context may add. */
  factor: number;
  /** Tokens the context may add to the call (floor of factor × diff prompt tokens). */
  budgetTokens: number;
  /** Needed definitions fully inside the given blocks. */
  covered: number;
  /** The same per role: needed and covered definitions and callers. */
  roles: Record<string, { needed: number; covered: number }>;
  recall: number;
  /** Tokens the context added to the call: the prompt with it minus the prompt without. */
  contextTokens: number;
  /** The call with the context, over the call without it. */
  ratio: number;
  /** The given blocks' sources (`kind path:start-end`), in the engine's priority order. */
  given: string[];
  /** Needed definitions not covered, as `path:start-end symbol`. */
  missing: string[];
  omitted: { blocks: number; tokens: number };
}

/** One case's results. */
export interface ContextCaseResult {
  id: string;
  language: string;
  needed: number;
  /** Tokens of today's review call for this diff (no context). */
  diffPromptTokens: number;
  budgets: BudgetResult[];
}

/** The totals at one budget. */
export interface BudgetSummary {
  factor: number;
  needed: number;
  covered: number;
  /** Covered over needed, over every case. */
  recall: number;
  /** The mean of the cases' own recall. */
  meanCaseRecall: number;
  /** Mean and largest call-with-context over call-without. */
  meanRatio: number;
  maxRatio: number;
  /** Cases with a needed definition left out. */
  incomplete: string[];
}

export interface ContextEvalReport {
  results: ContextCaseResult[];
  summary: {
    budgets: BudgetSummary[];
    /** At the headline budget: recall per language, and per role (definitions used, callers). */
    languages: { language: string; cases: number; recall: number }[];
    roles: { role: string; needed: number; covered: number; recall: number }[];
  };
}

/**
 * Which needed definitions the blocks cover: each must have every line inside a block of its path that really
 * shows it. A block's range is not taken on trust: the block's text line at the line's offset must end with the
 * head line (trimmed; a numbering prefix is allowed), so an outline that names a range but shows one line per
 * definition covers only those lines. Blank lines count as shown when they are inside the range.
 * @param head the head text of each path
 * @returns one flag per needed definition, in order
 */
export function coveredDefinitions(
  needed: readonly NeededDefinition[],
  blocks: readonly Pick<CodeContextBlock, "path" | "startLine" | "endLine" | "text">[],
  head: ReadonlyMap<string, string>,
): boolean[] {
  return needed.map(({ path, lines: [start, end] }) => {
    const headLines = (head.get(path) ?? "").split("\n");
    const shown = blocks.filter((block) => block.path === path).map((block) => ({
      block,
      lines: block.text.split("\n").map((line) => line.trim()),
    }));
    for (let line = start; line <= end; line++) {
      const want = (headLines[line - 1] ?? "").trim();
      const covered = shown.some(({ block, lines }) =>
        block.startLine <= line && line <= block.endLine &&
        (want === "" || (lines[line - block.startLine] ?? "").endsWith(want))
      );
      if (!covered) return false;
    }
    return true;
  });
}

/** Tokens of one review call over the case's diff, with the given context blocks. */
export function reviewCallTokens(
  item: Pick<ContextCase, "title" | "files">,
  blocks: readonly CodeContextBlock[],
  countTokens: TokenCounter,
): number {
  const messages = buildReviewMessages({
    steps: [{ name: "bugs", prompt: BUILTIN_PROMPTS.bugs }],
    title: item.title,
    diff: renderNumberedDiff(item.files),
    context: blocks,
  });
  return messages.reduce((sum, message) => sum + countTokens(message.content), 0);
}

/** Options for `evaluateContext`. */
export interface EvaluateContextOptions {
  cases: readonly ContextCase[];
  countTokens: TokenCounter;
  /** Budget factors, in the order reported; default `DEFAULT_BUDGETS`. */
  budgets?: readonly number[];
  onCase?(result: ContextCaseResult): void;
}

/** What `selectWithinBudget` needs: a context request without its budget, and how a call is counted. */
export interface FitRequest extends Omit<ContextRequest, "budgetTokens"> {
  /** Tokens the context may add to the call, headings and fence included. */
  budgetTokens: number;
  /** Tokens of the whole call with these blocks (with none: today's call). */
  callTokens(blocks: readonly CodeContextBlock[]): number;
}

/**
 * `selectContext` at a budget that holds for the rendered call: blocks are counted by the engine, but each also
 * gets a heading and the section a fence, so when the call grows by more than `budgetTokens` the selection is
 * asked again with the overshoot taken off (at most `FIT_ATTEMPTS` times; then no context at all).
 * @returns the selection and the tokens it adds to the call
 */
export async function selectWithinBudget(
  request: FitRequest,
): Promise<{ selection: ContextSelection; contextTokens: number }> {
  const { callTokens, budgetTokens, ...rest } = request;
  const without = callTokens([]);
  let blockBudget = budgetTokens;
  let selection: ContextSelection = { blocks: [], omitted: { blocks: 0, tokens: 0 } };
  let contextTokens = 0;
  for (let attempt = 0; attempt < FIT_ATTEMPTS && blockBudget >= 0; attempt++) {
    selection = await selectContext({ ...rest, budgetTokens: blockBudget });
    contextTokens = selection.blocks.length === 0 ? 0 : callTokens(selection.blocks) - without;
    if (contextTokens <= budgetTokens) return { selection, contextTokens };
    blockBudget -= contextTokens - budgetTokens;
  }
  // Headings alone do not fit: the call goes without context rather than over its budget.
  return {
    selection: { blocks: [], omitted: { blocks: selection.blocks.length, tokens: contextTokens } },
    contextTokens: 0,
  };
}

async function scoreBudget(
  item: ContextCase,
  index: CodeIndex,
  factor: number,
  diffPromptTokens: number,
  countTokens: TokenCounter,
): Promise<BudgetResult> {
  const budgetTokens = Math.floor(factor * diffPromptTokens);
  const { selection, contextTokens } = await selectWithinBudget({
    index,
    files: item.files,
    readFile: (path) => Promise.resolve(item.head.get(path) ?? null),
    budgetTokens,
    countTokens,
    callTokens: (blocks) => reviewCallTokens(item, blocks, countTokens),
  });
  const flags = coveredDefinitions(item.needed, selection.blocks, item.head);
  const covered = flags.filter(Boolean).length;
  const roles: BudgetResult["roles"] = {};
  item.needed.forEach(({ role }, at) => {
    roles[role] ??= { needed: 0, covered: 0 };
    roles[role].needed++;
    if (flags[at]) roles[role].covered++;
  });
  return {
    factor,
    budgetTokens,
    covered,
    roles,
    recall: covered / item.needed.length,
    contextTokens,
    ratio: (diffPromptTokens + contextTokens) / diffPromptTokens,
    given: selection.blocks.map((block) => `${block.kind} ${block.path}:${block.startLine}-${block.endLine}`),
    missing: item.needed.filter((_, at) => !flags[at]).map(({ path, lines, symbol }) =>
      `${path}:${lines[0]}-${lines[1]} ${symbol}`
    ),
    omitted: selection.omitted,
  };
}

/** Builds each case's index and scores its context at every budget; cases run one after another. */
export async function evaluateContext(options: EvaluateContextOptions): Promise<ContextEvalReport> {
  const budgets = options.budgets ?? DEFAULT_BUDGETS;
  const results: ContextCaseResult[] = [];
  for (const item of options.cases) {
    const index = await buildCodeIndex([...item.head].map(([path, text]) => ({ path, text })));
    const diffPromptTokens = reviewCallTokens(item, [], options.countTokens);
    const scored: BudgetResult[] = [];
    for (const factor of budgets) {
      scored.push(await scoreBudget(item, index, factor, diffPromptTokens, options.countTokens));
    }
    const result = {
      id: item.id,
      language: item.language,
      needed: item.needed.length,
      diffPromptTokens,
      budgets: scored,
    };
    options.onCase?.(result);
    results.push(result);
  }
  return { results, summary: summarizeContext(results, budgets) };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Totals per budget, and the headline budget's recall per language. */
export function summarizeContext(
  results: readonly ContextCaseResult[],
  budgets: readonly number[],
): ContextEvalReport["summary"] {
  const at = (result: ContextCaseResult, index: number) => result.budgets[index]!;
  const summaries = budgets.map((factor, index) => {
    const needed = results.reduce((sum, result) => sum + result.needed, 0);
    const covered = results.reduce((sum, result) => sum + at(result, index).covered, 0);
    return {
      factor,
      needed,
      covered,
      recall: needed === 0 ? 0 : covered / needed,
      meanCaseRecall: mean(results.map((result) => at(result, index).recall)),
      meanRatio: mean(results.map((result) => at(result, index).ratio)),
      maxRatio: Math.max(0, ...results.map((result) => at(result, index).ratio)),
      incomplete: results.filter((result) => at(result, index).covered < result.needed).map((result) =>
        result.id
      ),
    };
  });
  const headline = budgets.includes(HEADLINE_BUDGET) ? budgets.indexOf(HEADLINE_BUDGET) : 0;
  const languages = [...new Set(results.map((result) => result.language))].sort().map((language) => {
    const mine = results.filter((result) => result.language === language);
    const needed = mine.reduce((sum, result) => sum + result.needed, 0);
    const covered = mine.reduce((sum, result) => sum + at(result, headline).covered, 0);
    return { language, cases: mine.length, recall: needed === 0 ? 0 : covered / needed };
  });
  const roles = ["definition", "caller"].map((role) => {
    const counts = results.map((result) => at(result, headline).roles[role] ?? { needed: 0, covered: 0 });
    const needed = counts.reduce((sum, count) => sum + count.needed, 0);
    const covered = counts.reduce((sum, count) => sum + count.covered, 0);
    return { role, needed, covered, recall: needed === 0 ? 0 : covered / needed };
  });
  return { budgets: summaries, languages, roles };
}

function table(headings: string[], rows: string[][]): string {
  const widths = headings.map((heading, column) =>
    Math.max(heading.length, ...rows.map((row) => row[column]!.length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) =>
      column === 0 || column === cells.length - 1
        ? cell.padEnd(widths[column]!)
        : cell.padStart(widths[column]!)
    ).join("  ").trimEnd();
  return [line(headings), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** The per-case table at the headline budget, the totals per budget and the recall per language. */
export function renderContextTables(report: ContextEvalReport, header: string): string {
  const budgets = report.summary.budgets.map((summary) => summary.factor);
  const headline = budgets.includes(HEADLINE_BUDGET) ? budgets.indexOf(HEADLINE_BUDGET) : 0;
  const caseRows = report.results.map((result) => {
    const scored = result.budgets[headline]!;
    return [
      result.id,
      result.language,
      `${scored.covered}/${result.needed}`,
      String(result.diffPromptTokens),
      String(scored.contextTokens),
      scored.ratio.toFixed(2),
      scored.missing.join(", "),
    ];
  });
  const budgetRows = report.summary.budgets.map((summary) => [
    `${summary.factor}× diff prompt`,
    `${summary.covered}/${summary.needed}`,
    summary.recall.toFixed(3),
    summary.meanCaseRecall.toFixed(3),
    summary.meanRatio.toFixed(2),
    summary.maxRatio.toFixed(2),
  ]);
  const languageRows = report.summary.languages.map((entry) => [
    entry.language,
    String(entry.cases),
    entry.recall.toFixed(3),
    "",
  ]);
  return [
    header,
    "",
    `Per case at ${budgets[headline]}× the diff prompt:`,
    table(["case", "language", "found", "diff prompt", "context", "ratio", "missing"], caseRows),
    "",
    table(["budget", "found", "recall", "mean case recall", "mean ratio", "max ratio"], budgetRows),
    "",
    table(["language", "cases", `recall@${budgets[headline]}`, ""], languageRows),
    "",
    table(
      ["needed", "found", `recall@${budgets[headline]}`, ""],
      report.summary.roles.map((entry) => [
        `${entry.role}s`,
        `${entry.covered}/${entry.needed}`,
        entry.recall.toFixed(3),
        "",
      ]),
    ),
  ].join("\n") + "\n";
}

/** What `runContextEval` needs from the parsed `eval` arguments. */
export interface ContextEvalArgs {
  /** The case folder, already resolved. */
  folder: string;
  /** The folder as the user named it, for the header. */
  name: string;
  only?: string[];
  budgets: readonly number[];
  json: boolean;
  quiet: boolean;
}

/** Runs `eval --context-only` and returns its exit code: 0 when it ran, 2 on an error. */
export async function runContextEval(io: CommandIo, args: ContextEvalArgs): Promise<number> {
  try {
    const cases = await loadContextCases(args.folder, args.only);
    const countTokens = await loadO200kCounter();
    let done = 0;
    const pending: Promise<void>[] = [];
    const headline = args.budgets.includes(HEADLINE_BUDGET) ? args.budgets.indexOf(HEADLINE_BUDGET) : 0;
    const report = await evaluateContext({
      cases,
      countTokens: (text) => countTokens(text),
      budgets: args.budgets,
      onCase: (result) => {
        done++;
        if (args.quiet) return;
        const scored = result.budgets[headline]!;
        pending.push(io.stderr.write(
          `  [${done}/${cases.length}] ${result.id}: ${scored.covered}/${result.needed} at ` +
            `${scored.factor}× (${scored.contextTokens} of ${scored.budgetTokens} tokens)\n`,
        ));
      },
    });
    await Promise.all(pending);
    const languages = new Set(cases.map((item) => item.language)).size;
    if (args.json) {
      await io.stdout.write(
        JSON.stringify(
          { cases: args.name, tokenizer: "o200k", headline: HEADLINE_BUDGET, ...report },
          null,
          2,
        ) +
          "\n",
      );
    } else {
      const header = `Context recall · ${args.name} · ${cases.length} cases in ${languages} languages · ` +
        `o200k tokens · no model called`;
      await io.stdout.write(renderContextTables(report, header));
    }
    return 0;
  } catch (error) {
    await io.stderr.write(`loom eval: ${(error as Error).message}\n`);
    return 2;
  }
}
