import assert from "node:assert/strict";
import { Octokit } from "@octokit/rest";
import { completeAnswer, contractViolations } from "./contract.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../github.ts";

const PULL = { method: "GET", path: "/repos/octo/hello/pulls/7", body: undefined };

function seededFake() {
  const fake = startFakeGitHub();
  fake.state.addPullRequest({
    repo: "octo/hello",
    number: 7,
    title: "Add the thing",
    author: "mona",
    headSha: "a".repeat(40),
    baseSha: "b".repeat(40),
    headRef: "feature",
    baseRef: "main",
    diff: "",
    files: {},
  });
  return fake;
}

Deno.test("the fake's pull request keeps to GitHub's schema, and fails it once a required field is dropped", async () => {
  await using fake = seededFake();
  const answer = await fetch(`${fake.url}/repos/octo/hello/pulls/7`, {
    headers: { authorization: `token ${FAKE_GITHUB_TOKEN}` },
  });
  const body = await answer.json();
  const respond = (value: unknown) =>
    new Response(JSON.stringify(value), { status: 200, headers: { "content-type": "application/json" } });
  assert.deepEqual(await contractViolations(PULL, respond(body)), []);

  // Broken on purpose: a pull request without its head, and one whose number is a string.
  const { head: _head, ...headless } = body;
  const [dropped] = await contractViolations(PULL, respond(headless));
  assert.match(
    dropped!,
    /^GET \/repos\/\{owner\}\/\{repo\}\/pulls\/\{pull_number\} → 200: .*lacks required field "head"/,
  );
  const [mistyped] = await contractViolations(PULL, respond({ ...body, number: "7" }));
  assert.match(mistyped!, /\/number must be integer/);
});

Deno.test("a request body GitHub would refuse is a violation, and close() fails the test naming it", async () => {
  const fake = seededFake();
  const octokit = new Octokit({ auth: FAKE_GITHUB_TOKEN, baseUrl: fake.url });
  await octokit.rest.pulls.createReview({
    owner: "octo",
    repo: "hello",
    pull_number: 7,
    // Not an event GitHub knows.
    event: "MAYBE" as "COMMENT",
    body: "x",
  }).catch(() => undefined);
  assert.match(
    fake.contractViolations.join("\n"),
    /POST \/repos\/\{owner\}\/\{repo\}\/pulls\/\{pull_number\}\/reviews: the request \/event must be equal to one of the allowed values/,
  );
  await assert.rejects(fake.close(), /The GitHub fake broke GitHub's REST contract/);
});

Deno.test("completeAnswer() fills only required fields the fake left out, from GitHub's own example", async () => {
  const partial = new Response(
    JSON.stringify({ id: 1, number: 7, title: "Mine", state: "open", head: { sha: "c".repeat(40) } }),
    { status: 200, headers: { "content-type": "application/json" } },
  );
  const completed = await (await completeAnswer(PULL, partial)).json();
  assert.equal(completed.title, "Mine", "the fake's fields win");
  assert.equal(completed.head.sha, "c".repeat(40));
  assert.equal(typeof completed.head.ref, "string", "a required field is filled");
  assert.deepEqual(completed.labels, [], "a required list is filled empty");
  assert.equal("auto_merge" in completed, true);
});
