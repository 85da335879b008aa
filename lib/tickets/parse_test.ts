import assert from "node:assert/strict";
import { findTicketReferences, ticketLabel, withoutCode } from "./parse.ts";

const github = {
  platform: "github" as const,
  repo: "octo-org/cache-service",
  number: 42,
  host: "github.com",
};

Deno.test("findTicketReferences reads a GitHub description: closing keywords first, other repos, URLs", () => {
  const body = `## Summary
Adds eviction to the cache. Related to #3 and octo-org/billing#11.

Fixes #7
Closes: https://github.com/octo-org/cache-service/issues/9
See also https://github.com/octo-org/api/pull/15 and GH-21.

<!-- Please link the issue: Fixes #123 -->
- [x] Tests added
`;
  const refs = findTicketReferences({ title: "Cache eviction (#42)", body }, { ...github, limit: 10 });
  assert.deepEqual(refs.map(ticketLabel), [
    "issue #7",
    "issue #9",
    "issue #3",
    "octo-org/billing#11",
    "octo-org/api#15",
    "issue #21",
  ]);
});

Deno.test("findTicketReferences leaves out code, colours, headings, other hosts and the pull request itself", () => {
  const body = [
    "```c",
    "#include <stdio.h>",
    "x = a#5;",
    "# 6",
    "```",
    "Use `#8` in the template.",
    "The colour #fff000 and #1a2 are not issues; neither is issue#10 or foo/#11.",
    "https://gitlab.com/octo-org/cache-service/-/issues/12 is another host.",
    "This is #42 itself.",
    "~~~",
    "#13 in a tilde fence",
    "~~~",
    "Refs #14.",
  ].join("\n");
  assert.deepEqual(
    findTicketReferences({ title: "", body }, { ...github, limit: 10 }).map(ticketLabel),
    ["issue #14"],
  );
});

Deno.test("findTicketReferences reads GitLab issues, merge requests, group paths and URLs", () => {
  const body = `Closes #4 and implements group/sub/project#5.

Depends on !17 and other-group/lib!3.
https://gitlab.example.com/group/sub/project/-/merge_requests/19
https://gitlab.example.com/team/app/-/issues/2`;
  const refs = findTicketReferences({ title: "Draft: login", body, branch: "31-fix-login" }, {
    platform: "gitlab",
    repo: "team/app",
    number: 17,
    host: "gitlab.example.com",
    limit: 10,
  });
  assert.deepEqual(refs, [
    { kind: "issue", repo: undefined, number: 4 },
    { kind: "issue", repo: "group/sub/project", number: 5 },
    { kind: "merge_request", repo: "other-group/lib", number: 3 },
    { kind: "merge_request", repo: "group/sub/project", number: 19 },
    { kind: "issue", repo: undefined, number: 2 },
    { kind: "issue", number: 31 },
  ], "!17 is the merge request itself; #17 would be an issue and is not mentioned");
});

Deno.test("findTicketReferences reads Azure DevOps work items and Bitbucket Cloud issues", () => {
  const azure = findTicketReferences({
    title: "Login timeout",
    body: "Fixes AB#1204. Related #88.\nhttps://dev.azure.com/contoso/Fabrikam/_workitems/edit/77",
  }, { platform: "azure_devops", repo: "Fabrikam/web", number: 5, host: "dev.azure.com", limit: 5 });
  assert.deepEqual(azure, [{ kind: "work_item", id: 1204 }, { kind: "work_item", id: 88 }, {
    kind: "work_item",
    id: 77,
  }]);
  const bitbucket = findTicketReferences({
    title: "Fix login",
    body: "Resolves #6, see https://bitbucket.org/team/app/issues/9/login-fails",
  }, { platform: "bitbucket", repo: "team/app", number: 2, host: "bitbucket.org", limit: 5 });
  assert.deepEqual(bitbucket.map(ticketLabel), ["issue #6", "issue #9"]);
  assert.deepEqual(
    findTicketReferences({ title: "Fixes #6", body: "" }, {
      platform: "bitbucket_server",
      repo: "PROJ/app",
      limit: 5,
    }),
    [],
    "Bitbucket Data Center has no tracker of its own",
  );
});

Deno.test("findTicketReferences reads Jira keys only when Jira is configured, from the branch too", () => {
  const texts = {
    title: "PAY-12: retry webhooks",
    body: "Uses SHA-256 and UTF-8 per RFC-7231; also fixes PAY-15.",
    branch: "feature/PAY-31-retries",
  };
  assert.deepEqual(findTicketReferences(texts, { platform: "bitbucket_server", repo: "P/r", limit: 5 }), []);
  assert.deepEqual(
    findTicketReferences(texts, { platform: "bitbucket_server", repo: "P/r", jira: {}, limit: 5 }).map(
      ticketLabel,
    ),
    ["PAY-15", "PAY-12", "PAY-31"],
  );
  assert.deepEqual(
    findTicketReferences({ ...texts, body: "OPS-3 and PAY-15" }, {
      platform: "github",
      repo: "o/r",
      jira: { projects: ["OPS"] },
      limit: 5,
    }).map(ticketLabel),
    ["OPS-3"],
  );
});

Deno.test("findTicketReferences stays bounded on hostile texts", () => {
  const many = Array.from({ length: 1000 }, (_, index) => `#${index + 1}`).join(" ");
  const refs = findTicketReferences({ title: "", body: `Fixes #999\n${many}` }, { ...github, limit: 5 });
  assert.deepEqual(refs.map(ticketLabel), ["issue #999", "issue #1", "issue #2", "issue #3", "issue #4"]);

  const huge = "word ".repeat(400_000) + "#77";
  assert.deepEqual(
    findTicketReferences({ title: "", body: huge }, { ...github, limit: 5 }),
    [],
    "past the scan",
  );

  const pathological = [
    "a/".repeat(50_000),
    "`".repeat(50_000),
    "```\n".repeat(20_000),
    "x".repeat(100_000),
    "<!--".repeat(20_000),
  ];
  for (const body of pathological) {
    assert.deepEqual(findTicketReferences({ title: "", body }, { ...github, jira: {}, limit: 5 }), []);
    findTicketReferences({ title: "", body }, {
      platform: "gitlab",
      repo: "g/p",
      host: "g.example",
      limit: 5,
    });
  }
  assert.deepEqual(findTicketReferences({ title: "#1", body: "" }, { ...github, limit: 0 }), []);
  assert.deepEqual(findTicketReferences({ title: "#12345678901", body: "" }, { ...github, limit: 5 }), []);
});

Deno.test("withoutCode blanks fenced blocks, unclosed fences, inline code and HTML comments", () => {
  assert.equal(withoutCode("a `#1` b").includes("#1"), false);
  assert.equal(withoutCode("a\n```\n#1\n").includes("#1"), false, "an unclosed fence runs to the end");
  assert.equal(withoutCode("<!-- #1 -->#2").includes("#1"), false);
  assert.equal(withoutCode("```\nx\n```\n#3").includes("#3"), true, "text after a closed fence is read");
});
