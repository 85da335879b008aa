import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { startFakeJira } from "../../tests/fakes/jira.ts";
import { createJiraReader, jiraReaderFor } from "./jira.ts";

const signal = new AbortController().signal;

Deno.test("jiraReaderFor reads a Jira Cloud issue with the email and API token, its first comments included", async () => {
  await using jira = startFakeJira({ authorization: `Basic ${btoa("ada@example.com:cloud-token")}` });
  jira.addIssue({
    key: "PAY-12",
    summary: "Retry failed webhooks",
    description: "Retry 3 times with backoff.\n{code}retry(3){code}",
    status: "In Progress",
    comments: [{ author: "Grace", body: "Keep the delivery id." }],
  });
  const server = loadServerConfig({
    LOOM_JIRA_URL: `${jira.url}/`,
    LOOM_JIRA_EMAIL: "ada@example.com",
    LOOM_JIRA_TOKEN: "cloud-token",
    LOOM_JIRA_PROJECTS: "pay, ops",
  });
  const reader = jiraReaderFor(server)!;
  assert.deepEqual(reader.projects, ["PAY", "OPS"]);
  assert.deepEqual(await reader.getIssue("PAY-12", signal), {
    title: "Retry failed webhooks",
    body: "Retry 3 times with backoff.\n{code}retry(3){code}",
    state: "In Progress",
    url: `${jira.url}/browse/PAY-12`,
    comments: ["Grace: Keep the delivery id."],
  });
  assert.equal(jira.requests[0]!.path, "/rest/api/2/issue/PAY-12?fields=summary,description,status,comment");
});

Deno.test("jiraReaderFor is off without a URL and a token; a Data Center token is sent as a bearer", async () => {
  assert.equal(jiraReaderFor(loadServerConfig({ LOOM_JIRA_URL: "https://jira.example.com" })), null);
  assert.equal(jiraReaderFor(loadServerConfig({ LOOM_JIRA_TOKEN: "t" })), null);
  await using jira = startFakeJira({ authorization: "Bearer dc-pat" });
  jira.addIssue({ key: "OPS-3", summary: "Rotate keys" });
  const reader = createJiraReader({ url: `${jira.url}/jira`, token: "dc-pat" });
  await assert.rejects(reader.getIssue("OPS-3", signal), /Jira answered 404/, "the context path is kept");
  const atRoot = createJiraReader({ url: jira.url, token: "dc-pat" });
  assert.equal((await atRoot.getIssue("OPS-3", signal)).body, "");
  await assert.rejects(atRoot.getIssue("OPS-4", signal), /Cannot read Jira issue OPS-4: Jira answered 404/);
  await assert.rejects(
    createJiraReader({ url: jira.url, token: "wrong" }).getIssue("OPS-3", signal),
    /Jira answered 401/,
  );
  await assert.rejects(atRoot.getIssue("../admin", signal), /not a key/);
});
