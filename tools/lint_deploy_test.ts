import assert from "node:assert/strict";
import { checkKubernetesFields, lintDockerfile, lintKubernetes, lintKustomization } from "./lint_deploy.ts";
import { parse, parseAllDocuments } from "yaml";

Deno.test("lintDockerfile() accepts the repository's Dockerfile", async () => {
  const text = await Deno.readTextFile(new URL("../Dockerfile", import.meta.url));
  assert.deepEqual(lintDockerfile("Dockerfile", text), []);
});

Deno.test("lintDockerfile() reports instruction errors and breaches of the image policy", () => {
  const problems = lintDockerfile("Dockerfile", "FROM node:22\nEXPOSE abc\nUSER root\nRUN npm ci\n")
    .map((problem) => problem.message);
  assert.ok(
    problems.some((message) => /line 2: Invalid containerPort: abc/.test(message)),
    problems.join("\n"),
  );
  assert.ok(problems.includes('must build FROM denoland/deno:2.9.6 (found ["node:22"])'));
  assert.ok(problems.includes("must switch to a non-root USER"));
  assert.ok(problems.includes("must declare the /data VOLUME for SQLite"));
  assert.ok(problems.includes("must build the islands at image build time"));
  assert.ok(problems.includes("must have a HEALTHCHECK"));
});

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
spec:
  selector:
    matchLabels: { app: demo }
  template:
    metadata:
      labels: { app: demo }
    spec:
      containers:
        - name: demo
          image: demo:1
`;

Deno.test("lintKubernetes() accepts a valid manifest", () => {
  assert.deepEqual(lintKubernetes("ok.yaml", DEPLOYMENT), []);
});

Deno.test("lintKubernetes() reports wrong types, unknown fields and unknown kinds", () => {
  const wrongType = lintKubernetes(
    "a.yaml",
    DEPLOYMENT.replace("spec:\n  selector", "spec:\n  replicas: two\n  selector"),
  );
  assert.equal(wrongType.length, 1);
  assert.match(wrongType[0]!.message, /Deployment.*replicas/s);
  const unknown = lintKubernetes("c.yaml", "apiVersion: example.com/v1\nkind: Widget\n");
  assert.deepEqual(unknown.map((problem) => problem.message), [
    "document 1: no schema for example.com/v1/Widget",
  ]);
});

Deno.test("checkKubernetesFields() reports misspelt fields at any depth, by file and document", async () => {
  const typo = DEPLOYMENT + "          livenssProbe: {}\n";
  const problems = await checkKubernetesFields([
    { file: "ok.yaml", text: DEPLOYMENT },
    { file: "typo.yaml", text: `${DEPLOYMENT}---\n${typo}` },
  ]);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(problems[0]!.file, "typo.yaml document 2 (apps/v1/Deployment)");
  assert.match(problems[0]!.message, /livenssProbe.* does not exist in type 'IContainer'/);
  assert.deepEqual(await checkKubernetesFields([{ file: "ok.yaml", text: DEPLOYMENT }]), []);
});

Deno.test("lintKubernetes() accepts the repository's manifests", async () => {
  const folder = new URL("../deploy/k8s/", import.meta.url);
  for (const entry of Deno.readDirSync(folder)) {
    if (!entry.name.endsWith(".yaml") || entry.name === "kustomization.yaml") continue;
    assert.deepEqual(lintKubernetes(entry.name, await Deno.readTextFile(new URL(entry.name, folder))), []);
  }
});

Deno.test("lintKustomization() reports manifests it misses and resources that do not exist", () => {
  const problems = lintKustomization("k.yaml", "resources:\n  - web.yaml\n  - gone.yaml\n", [
    "web.yaml",
    "worker.yaml",
  ]);
  assert.deepEqual(problems.map((problem) => problem.message), [
    "does not list worker.yaml",
    "lists missing gone.yaml",
  ]);
});

Deno.test("Compose and Kubernetes start the worker with the same V8 flags as `deno task worker`", async () => {
  const read = (path: string) => Deno.readTextFile(new URL(path, import.meta.url));
  const task = String(JSON.parse(await read("../deno.json")).tasks.worker);
  const flags = task.split(/\s+/).filter((arg) => arg.startsWith("--v8-flags="));
  assert.equal(flags.length, 1, `the worker task sets its V8 flags: ${task}`);
  const compose = parse(await read("../deploy/docker-compose.yml"));
  assert.ok(compose.services.worker.command.includes(flags[0]), "docker-compose.yml worker command");
  const deployments = parseAllDocuments(await read("../deploy/k8s/worker.yaml")).map((document) =>
    document.toJS()
  );
  const containers = deployments.flatMap((document) => document?.spec?.template?.spec?.containers ?? []);
  const worker = containers.find((container: { name: string }) => container.name === "worker");
  assert.ok(worker?.args.includes(flags[0]), "k8s worker.yaml worker container args");
});
