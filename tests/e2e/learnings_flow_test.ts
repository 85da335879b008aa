/**
 * Learnings end to end through the real GitHub client and OpenAI SDK against the fakes: `@loom ignore … because
 * …` on pull request 1 stores a learning; pull request 2, where the model reports the same pattern on another
 * file and line, gets no comment for it, the summary counts it as suppressed and the prompt carries the rule as
 * team guidance; once the learning is disabled pull request 3 gets the comment again. A plain `@loom ignore`
 * (no reason) stays per pull request: pull request 4 still gets that finding. (The browser test does the
 * disabling on the dashboard.)
 */
import assert from "node:assert/strict";
import { dbTest } from "../../lib/db/testing.ts";
import { editLearning, listLearnings } from "../../lib/learnings/mod.ts";
import { startLearningsFlow } from "../support/learnings_flow.ts";

const RULE = "Our CLI scripts print to the console on purpose; console.log is how they report.";

dbTest(
  "a learning from `@loom ignore … because …` suppresses the pattern on later pull requests",
  async ({ db }) => {
    await using flow = await startLearningsFlow(db);
    const first = await flow.review(1, "scripts/build.ts", 'console.log("built");');
    assert.equal(first.comments.length, 1);
    assert.match(first.comments[0]!, /Avoid `console.log` in production code/);

    assert.deepEqual(
      await flow.command(
        1,
        "501",
        `@loom ignore Avoid console.log in production code (line 2) because ${RULE}`,
      ),
      { status: "done", command: "ignore" },
    );
    const [learning] = await listLearnings(db, { repoId: flow.repo.id });
    assert.ok(learning, "the command stored a learning");
    assert.equal(learning.rule, RULE);
    assert.deepEqual(learning.suppress, { title: "avoid console.log in production code (line)", step: null });
    assert.deepEqual(learning.source, { kind: "ignore", url: null, commentId: "501", prNumber: 1 });
    assert.equal(learning.createdBy, "ada");
    assert.match(flow.lastReply(), /nor on later pull requests in this repository/);
    assert.match(flow.lastReply(), new RegExp(`https://loom\\.example\\.com/learnings/${learning.id}`));

    // Another file, another line: the same pattern is held back and the rule reaches the prompt.
    const second = await flow.review(
      2,
      "scripts/deploy.ts",
      'console.log("deployed");',
      "// Deploys.\n// Loudly.\n",
    );
    assert.match(
      second.prompts[0]!,
      /R4 \+console\.log\("deployed"\);/,
      "the model reported line 4 this time",
    );
    assert.deepEqual(second.comments, []);
    assert.match(second.summary, /1 finding suppressed by learnings/);
    assert.equal(second.prompts.length, 1);
    assert.match(second.prompts[0]!, /Team guidance:[\s\S]*console\.log is how they report/);

    await editLearning(db, learning.id, { enabled: false }, "ada");
    const third = await flow.review(3, "scripts/test.ts", 'console.log("tested");');
    assert.equal(third.comments.length, 1, "a disabled learning suppresses nothing");
    assert.doesNotMatch(third.summary, /suppressed by learnings/);
    assert.doesNotMatch(third.prompts[0]!, /Team guidance/);

    // Without a reason the ignore stays on its pull request.
    await flow.command(3, "502", "@loom ignore Avoid console.log in production code");
    assert.match(flow.lastReply(), /will not post .* on this pull request again/);
    assert.equal((await listLearnings(db, { repoId: flow.repo.id })).length, 1);
    const fourth = await flow.review(4, "scripts/lint.ts", 'console.log("linted");');
    assert.equal(fourth.comments.length, 1);
  },
);

dbTest(
  "a thumbs-down on a Loom comment proposes a learning at the next review; approved, it suppresses",
  async ({ db }) => {
    await using flow = await startLearningsFlow(db);
    const first = await flow.review(1, "scripts/build.ts", 'console.log("built");');
    assert.equal(first.comments.length, 1);
    const comment = flow.github.state.reviewComments.find((item) => item.number === 1)!;
    comment.reactions = [
      { content: "+1", user: { login: "bob", type: "User" } },
      { content: "-1", user: { login: "lin", type: "User" } },
      { content: "-1", user: { login: "eve", type: "User" } },
    ];
    // GitHub sends no webhook for a reaction: the next review of the pull request reads it.
    await flow.review(1, "scripts/build.ts", 'console.log("built again");', "// Build.\n");
    const asked = flow.github.requests.filter((request) => request.path.includes("/reactions"));
    assert.deepEqual(asked.map((request) => request.path), [
      `/repos/${flow.repo.fullName}/pulls/comments/${comment.id}/reactions`,
    ]);
    const [learning] = await listLearnings(db, { repoId: flow.repo.id });
    assert.ok(learning, "the reaction proposed a learning");
    assert.equal(learning.status, "proposed");
    assert.equal(learning.createdBy, "lin, eve");
    assert.deepEqual(learning.source, {
      kind: "reaction",
      url: null,
      commentId: String(comment.id),
      prNumber: 1,
    });
    assert.deepEqual(learning.suppress, {
      title: "avoid console.log in production code (line)",
      step: "bugs",
    });
    assert.match(
      learning.rule,
      /^Do not report “Avoid `console\.log` in production code \(line 2\)”: @lin, @eve gave/,
    );

    // A proposal changes nothing until someone approves it; reading the reaction again proposes nothing new.
    const second = await flow.review(2, "scripts/deploy.ts", 'console.log("deployed");');
    assert.equal(second.comments.length, 1);
    assert.doesNotMatch(second.prompts[0]!, /Team guidance/);
    await flow.review(1, "scripts/build.ts", 'console.log("built once more");');
    assert.equal((await listLearnings(db, { repoId: flow.repo.id })).length, 1);

    await editLearning(db, learning.id, { status: "active" }, "ada");
    const third = await flow.review(3, "scripts/test.ts", 'console.log("tested");');
    assert.deepEqual(third.comments, []);
    assert.match(third.summary, /1 finding suppressed by learnings/);
  },
);
