import assert from "node:assert/strict";
import { makeGitDiff } from "./git_diff.ts";
import { FAKE_GITHUB_TOKEN, parseFakeDiff, startFakeGitHub } from "./github.ts";

const AUTH = { authorization: `Bearer ${FAKE_GITHUB_TOKEN}` };
const BASE = Array.from({ length: 30 }, (_, index) => `line ${index + 1}`).join("\n") + "\n";
const HEAD = BASE.replace("line 2\n", "line 2\nadded 2b\n").replace("line 25\n", "changed 25\n");

async function seeded(options: Parameters<typeof startFakeGitHub>[0] = {}) {
  const fake = startFakeGitHub(options);
  const { diff, baseSha, headSha } = await makeGitDiff({ "a.txt": { base: BASE, head: HEAD } });
  fake.state.addPullRequest({ repo: "octo/hello", number: 1, headSha, baseSha, diff });
  return { fake, headSha };
}

Deno.test("parseFakeDiff() numbers old and new lines through every hunk", async () => {
  const { diff } = await makeGitDiff({ "a.txt": { base: BASE, head: HEAD } });
  const [file] = parseFakeDiff(diff);
  assert.equal(file!.filename, "a.txt");
  assert.equal(file!.hunks.length, 2);
  assert.deepEqual(file!.hunks[0]!.lines.find((line) => line.kind === "add"), {
    kind: "add",
    newLine: 3,
    text: "added 2b",
  });
  assert.deepEqual(file!.hunks[1]!.lines.find((line) => line.kind === "del"), {
    kind: "del",
    oldLine: 25,
    text: "line 25",
  });
  assert.deepEqual(file!.hunks[1]!.lines.find((line) => line.kind === "add"), {
    kind: "add",
    newLine: 26,
    text: "changed 25",
  });
  assert.equal(file!.patch!.startsWith("@@ -1,5 +1,6 @@"), true);
});

Deno.test("startFakeGitHub() answers 401 without a known token", async () => {
  const { fake } = await seeded();
  try {
    const anonymous = await fetch(`${fake.url}/repos/octo/hello/pulls/1`);
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).message, "Requires authentication");
    const wrong = await fetch(`${fake.url}/repos/octo/hello/pulls/1`, {
      headers: { authorization: "token nope" },
    });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).message, "Bad credentials");
  } finally {
    await fake.close();
  }
});

Deno.test("startFakeGitHub() paginates lists with Link headers", async () => {
  const { fake } = await seeded();
  try {
    for (let index = 0; index < 5; index++) fake.state.addIssueComment("octo/hello", 1, `c${index}`);
    const first = await fetch(`${fake.url}/repos/octo/hello/issues/1/comments?per_page=2`, { headers: AUTH });
    assert.deepEqual((await first.json()).map((comment: { body: string }) => comment.body), ["c0", "c1"]);
    const link = first.headers.get("link")!;
    assert.match(link, /[?&]page=2>; rel="next"/);
    assert.match(link, /[?&]page=3>; rel="last"/);
    const last = await fetch(`${fake.url}/repos/octo/hello/issues/1/comments?per_page=2&page=3`, {
      headers: AUTH,
    });
    assert.deepEqual((await last.json()).map((comment: { body: string }) => comment.body), ["c4"]);
    assert.doesNotMatch(last.headers.get("link")!, /rel="next"/);
    assert.match(last.headers.get("link")!, /rel="first"/);
  } finally {
    await fake.close();
  }
});

Deno.test("startFakeGitHub() rejects the whole review when any comment is off its side of the diff", async () => {
  const { fake, headSha } = await seeded();
  try {
    const post = (comments: unknown[]) =>
      fetch(`${fake.url}/repos/octo/hello/pulls/1/reviews`, {
        method: "POST",
        headers: AUTH,
        body: JSON.stringify({ commit_id: headSha, event: "COMMENT", body: "s", comments }),
      });
    const good = { path: "a.txt", line: 3, side: "RIGHT", body: "on the added line" };
    const cases = [
      { path: "a.txt", line: 12, side: "RIGHT", body: "between the two hunks" },
      {
        path: "a.txt",
        line: 29,
        side: "LEFT",
        body: "the second hunk shows new line 29 but old lines end at 28",
      },
      { path: "a.txt", line: 26, side: "RIGHT", start_line: 3, body: "range spans two hunks" },
      { path: "b.txt", line: 1, side: "RIGHT", body: "no such file" },
    ];
    for (const bad of cases) {
      const response = await post([good, bad]);
      assert.equal(response.status, 422, bad.body);
      await response.body?.cancel();
    }
    assert.equal(fake.state.reviews.length, 0);
    const accepted = await post([
      good,
      { path: "a.txt", line: 25, side: "LEFT", body: "deleted line" },
      { path: "a.txt", line: 29, side: "RIGHT", body: "last line of the hunk" },
    ]);
    assert.equal(accepted.status, 200);
    assert.equal((await accepted.json()).state, "COMMENTED");
    assert.equal(fake.state.reviews[0]!.comments.length, 3);
    assert.equal(
      fake.state.reviews[0]!.comments[1]!.diffHunk,
      "@@ -22,7 +23,7 @@ line 21\n line 22\n line 23\n line 24\n-line 25",
    );
  } finally {
    await fake.close();
  }
});

Deno.test("startFakeGitHub() answers 406 too_large for the diff media type above maxDiffFiles", async () => {
  const fake = startFakeGitHub({ maxDiffFiles: 1 });
  try {
    const { diff, baseSha, headSha } = await makeGitDiff({
      "a.txt": { head: "a\n" },
      "b.txt": { head: "b\n" },
    });
    fake.state.addPullRequest({ repo: "octo/hello", number: 1, headSha, baseSha, diff });
    const response = await fetch(`${fake.url}/repos/octo/hello/pulls/1`, {
      headers: { ...AUTH, accept: "application/vnd.github.diff" },
    });
    assert.equal(response.status, 406);
    assert.deepEqual((await response.json()).errors, [{
      resource: "PullRequest",
      field: "diff",
      code: "too_large",
    }]);
    const metadata = await fetch(`${fake.url}/repos/octo/hello/pulls/1`, { headers: AUTH });
    assert.equal((await metadata.json()).changed_files, 2);
  } finally {
    await fake.close();
  }
});

Deno.test("startFakeGitHub() failNext() fails one matching request with the given status and headers", async () => {
  const { fake } = await seeded();
  try {
    fake.state.failNext("/pulls/1", 429, { "retry-after": "7" });
    const failed = await fetch(`${fake.url}/repos/octo/hello/pulls/1`, { headers: AUTH });
    assert.equal(failed.status, 429);
    assert.equal(failed.headers.get("retry-after"), "7");
    await failed.body?.cancel();
    const next = await fetch(`${fake.url}/repos/octo/hello/pulls/1`, { headers: AUTH });
    assert.equal(next.status, 200);
    await next.body?.cancel();
  } finally {
    await fake.close();
  }
});

Deno.test("startFakeGitHub() mints installation tokens only for RS256 JWTs signed by the app key", async () => {
  const keys = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    false,
    ["sign", "verify"],
  );
  await using fake = startFakeGitHub({ app: { appId: "1", publicKey: keys.publicKey } });
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  const now = Math.floor(Date.now() / 1000);
  const claims = encode({ iat: now - 30, exp: now + 540, iss: "1" });
  const sign = async (header: unknown) => {
    const input = `${encode(header)}.${claims}`;
    const signature = new Uint8Array(
      await crypto.subtle.sign("RSASSA-PKCS1-v1_5", keys.privateKey, new TextEncoder().encode(input)),
    );
    return `${input}.${
      btoa(String.fromCharCode(...signature)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")
    }`;
  };
  const exchange = (jwt: string) =>
    fetch(`${fake.url}/app/installations/9/access_tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}` },
    });

  const hs256 = await exchange(await sign({ alg: "HS256", typ: "JWT" }));
  assert.equal(hs256.status, 401);
  await hs256.body?.cancel();
  const ok = await exchange(await sign({ alg: "RS256", typ: "JWT" }));
  assert.equal(ok.status, 201);
  const { token } = await ok.json();
  assert.match(token, /^ghs_/);
  const status = await fetch(`${fake.url}/repos/octo/hello/statuses/${"a".repeat(40)}`, {
    method: "POST",
    headers: { authorization: `token ${token}` },
    body: JSON.stringify({ state: "success", context: "loom" }),
  });
  assert.equal(status.status, 201);
  await status.body?.cancel();
  assert.equal(fake.state.statuses[0]!.creator.login, "loom[bot]");
});
