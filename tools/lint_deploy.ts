/**
 * `deno task lint:deploy`: lints the deployment files with real validators, and fails on any finding.
 *
 * - `Dockerfile`: `dockerfile-utils` (the linter behind VS Code's Docker support) for syntax and instruction
 *   errors, plus Loom's policy read from the `dockerfile-ast` parse: pinned official Deno base image, non-root
 *   user, `/data` volume, islands built at build time, a health check.
 * - `deploy/docker-compose.yml`: `dclint` (the Compose Specification JSON schema plus best-practice rules).
 * - `deploy/k8s/*.yaml`: every document validated against the Kubernetes OpenAPI schemas compiled into
 *   `kubernetes-models`, and strictly: `deno check` of the documents typed with its interfaces reports any
 *   unknown field at any depth (as `kubeconform -strict` does);
 *   `kustomization.yaml` must list every manifest and nothing missing.
 * - every YAML file: `yamllint` when it is installed (Debian package `yamllint`).
 */
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { validate as validateDockerfile } from "dockerfile-utils";
import { DockerfileParser } from "dockerfile-ast";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { createLogger } from "../lib/log.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const DENO_IMAGE = "denoland/deno:2.9.6";
const DCLINT = "npm:dclint@3.1.0";

// deno-lint-ignore no-explicit-any
type Model = new (data: any) => { validate(): void };
const MODELS: Record<string, Model> = {
  "v1/Namespace": Namespace,
  "v1/Secret": Secret,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/Ingress": Ingress,
};

export interface Problem {
  file: string;
  message: string;
}

/** Lints a Dockerfile's text: syntax and instruction errors, then Loom's image policy. */
export function lintDockerfile(file: string, text: string): Problem[] {
  const problems: Problem[] = validateDockerfile(text).map((diagnostic) => ({
    file,
    message: `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`,
  }));
  const instructions = DockerfileParser.parse(text).getInstructions();
  const named = (keyword: string) => instructions.filter((item) => item.getKeyword() === keyword);
  const args = (keyword: string) => named(keyword).map((item) => item.getArgumentsContent() ?? "");
  const from = args("FROM");
  if (from.length !== 1 || from[0] !== DENO_IMAGE) {
    problems.push({ file, message: `must build FROM ${DENO_IMAGE} (found ${JSON.stringify(from)})` });
  }
  const users = args("USER");
  const lastUser = users.at(-1)?.trim();
  if (!lastUser || lastUser === "root" || lastUser === "0" || lastUser.startsWith("0:")) {
    problems.push({ file, message: "must switch to a non-root USER" });
  }
  if (!args("VOLUME").some((value) => value.includes("/data"))) {
    problems.push({ file, message: "must declare the /data VOLUME for SQLite" });
  }
  if (!args("RUN").some((value) => value.includes("tools/build_islands.ts"))) {
    problems.push({ file, message: "must build the islands at image build time" });
  }
  if (named("HEALTHCHECK").length === 0) problems.push({ file, message: "must have a HEALTHCHECK" });
  return problems;
}

/**
 * Validates every document of a Kubernetes manifest against its OpenAPI schema (types, required fields, enums,
 * formats). The schemas allow unknown fields; `checkKubernetesFields` catches those.
 */
export function lintKubernetes(file: string, text: string): Problem[] {
  const problems: Problem[] = [];
  const documents = parseAllDocuments(text);
  for (const [index, document] of documents.entries()) {
    if (document.errors.length > 0) {
      problems.push(
        ...document.errors.map((error) => ({ file, message: `document ${index + 1}: ${error.message}` })),
      );
      continue;
    }
    const value = document.toJS() as Record<string, unknown> | null;
    if (value === null) continue;
    const key = `${value.apiVersion}/${value.kind}`;
    const Kind = MODELS[key];
    if (!Kind) {
      problems.push({ file, message: `document ${index + 1}: no schema for ${key}` });
      continue;
    }
    try {
      new Kind(structuredClone(value)).validate();
    } catch (error) {
      problems.push({ file, message: `document ${index + 1} (${key}): ${(error as Error).message}` });
    }
  }
  return problems;
}

/**
 * Finds unknown (misspelt) fields in Kubernetes manifests, as `kubeconform -strict` does: each document becomes
 * an object literal typed with its `kubernetes-models` interface, and `deno check`'s excess-property checks
 * report every field the API does not have, at any depth.
 */
export async function checkKubernetesFields(files: { file: string; text: string }[]): Promise<Problem[]> {
  const imports = new Set<string>();
  const declarations: string[] = [];
  const names = new Map<string, string>();
  for (const { file, text } of files) {
    for (const [index, document] of parseAllDocuments(text).entries()) {
      const value = document.toJS() as Record<string, unknown> | null;
      const key = value ? `${value.apiVersion}/${value.kind}` : "";
      if (!value || !MODELS[key]) continue;
      const type = `I${value.kind}`;
      imports.add(`import type { ${type} } from "kubernetes-models/${key}";`);
      const name = `document_${declarations.length}`;
      names.set(name, `${file} document ${index + 1} (${key})`);
      declarations.push(`export const ${name}: ${type} = ${JSON.stringify(value, null, 2)};`);
    }
  }
  const directory = await Deno.makeTempDir({ prefix: "loom-lint-k8s-" });
  try {
    const source = `${directory}/manifests.ts`;
    const lines = [...imports, ...declarations].join("\n").split("\n");
    await Deno.writeTextFile(source, lines.join("\n") + "\n");
    const result = await run(Deno.execPath(), ["check", "--quiet", "--config", `${ROOT}deno.json`, source]);
    if (!result || result.ok) return [];
    // Attribute each TypeScript error to the manifest whose declaration contains its line.
    const starts = lines.flatMap((line, index) => {
      const match = line.match(/^export const (document_\d+):/);
      return match ? [{ line: index + 1, name: match[1]! }] : [];
    });
    // deno-lint-ignore no-control-regex
    const plain = result.output.replace(/\x1b\[[0-9;]*m/g, "");
    const errors = [...plain.matchAll(/TS\d+ \[ERROR\]: (.+?)\n[\s\S]*?manifests\.ts:(\d+):\d+/g)];
    if (errors.length === 0) return [{ file: "deploy/k8s/", message: `deno check failed:\n${plain.trim()}` }];
    return errors.map(([, message, line]) => {
      const owner = starts.findLast((start) => start.line <= Number(line));
      return { file: owner ? names.get(owner.name)! : "deploy/k8s/", message: message!.trim() };
    });
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

/** The manifests `kustomization.yaml` lists must be exactly the manifests in the folder. */
export function lintKustomization(file: string, text: string, manifests: string[]): Problem[] {
  const value = parseYaml(text) as { resources?: string[] };
  const listed = new Set(value.resources ?? []);
  const problems: Problem[] = [];
  for (const name of manifests) {
    if (!listed.has(name)) problems.push({ file, message: `does not list ${name}` });
  }
  for (const name of listed) {
    if (!manifests.includes(name)) problems.push({ file, message: `lists missing ${name}` });
  }
  return problems;
}

async function run(command: string, args: string[]): Promise<{ ok: boolean; output: string } | null> {
  try {
    const output = await new Deno.Command(command, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
      .output();
    const decoder = new TextDecoder();
    return { ok: output.success, output: decoder.decode(output.stdout) + decoder.decode(output.stderr) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

async function main(): Promise<number> {
  const log = createLogger();
  const problems: Problem[] = [];
  problems.push(...lintDockerfile("Dockerfile", await Deno.readTextFile(`${ROOT}Dockerfile`)));

  const k8s = `${ROOT}deploy/k8s/`;
  const manifests = [...Deno.readDirSync(k8s)]
    .map((entry) => entry.name)
    .filter((name) => name.endsWith(".yaml") && name !== "kustomization.yaml")
    .sort();
  const k8sFiles = await Promise.all(manifests.map(async (name) => ({
    file: `deploy/k8s/${name}`,
    text: await Deno.readTextFile(`${k8s}${name}`),
  })));
  for (const { file, text } of k8sFiles) problems.push(...lintKubernetes(file, text));
  problems.push(...await checkKubernetesFields(k8sFiles));
  problems.push(
    ...lintKustomization(
      "deploy/k8s/kustomization.yaml",
      await Deno.readTextFile(`${k8s}kustomization.yaml`),
      manifests,
    ),
  );

  const dclint = await run(Deno.execPath(), ["run", "-A", DCLINT, "deploy/docker-compose.yml"]);
  if (!dclint?.ok) {
    problems.push({ file: "deploy/docker-compose.yml", message: `dclint: ${dclint?.output.trim()}` });
  }

  const yamlFiles = ["deploy/docker-compose.yml", ...manifests.map((name) => `deploy/k8s/${name}`)];
  const yamllint = await run("yamllint", [
    "-d",
    "{extends: default, rules: {line-length: {max: 120}, document-start: disable, truthy: {check-keys: false}}}",
    "--strict",
    ...yamlFiles,
    "deploy/k8s/kustomization.yaml",
  ]);
  if (yamllint === null) log.warn("yamllint is not installed; skipped (apt-get install yamllint)");
  else if (!yamllint.ok) problems.push({ file: "deploy/", message: `yamllint:\n${yamllint.output.trim()}` });

  for (const problem of problems) log.error("Deployment lint failed", { ...problem });
  log.info(problems.length === 0 ? "Deployment files are valid" : "Deployment files have problems", {
    problems: problems.length,
    checked: ["Dockerfile", "deploy/docker-compose.yml", ...manifests.map((name) => `deploy/k8s/${name}`)],
    yamllint: yamllint !== null,
  });
  return problems.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
