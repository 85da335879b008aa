/**
 * GitHub's published REST contract, held against the fake: every JSON request body Loom sends and every JSON
 * answer the fake gives is validated against the operation GitHub's official OpenAPI description
 * (`@octokit/openapi`, `api.github.com.json`) documents for that method and path. We cannot reach GitHub from
 * here, so the fake is the contract the client is tested against; this keeps it from answering a shape the real
 * API never sends (a missing required field, a wrong type) and Loom from sending a body GitHub would refuse.
 *
 * Answers are completed from GitHub's own documented example of the operation before they are checked: the
 * fake writes the fields its state decides (ids, numbers, shas, bodies, users' logins) and every other field a
 * real answer carries comes from GitHub's example of that answer, so the client sees a complete, real-shaped
 * object rather than the few fields a hand-written fake thought of. The fake's own fields always win, and are
 * then held to the schema like the rest.
 *
 * Checked: documented operations (method + path template), request bodies with an `application/json` schema,
 * answers whose status the operation documents with an `application/json` schema. Not checked: GraphQL, the
 * OAuth web flow (not REST operations), `diff`/raw media types, and statuses the operation does not document
 * (scripted 5xx failures). The description is read once per process (about 1.5 s) and each operation's
 * validator is compiled on first use.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  /** JSON pointer (inside the description) of the operation object. */
  pointer: string;
  /** More literal characters first: `/repos/{o}/{r}/pulls/comments` before `/repos/{o}/{r}/pulls/{n}`. */
  literal: number;
}

interface Contract {
  ajv: Ajv;
  // deno-lint-ignore no-explicit-any
  spec: any;
  operations: Operation[];
  validators: Map<string, ValidateFunction | null>;
}

const SCHEMA_ID = "github-rest";
let loading: Promise<Contract> | undefined;

/** The description and its operations, loaded on first use and shared by every fake of the process. */
function contract(): Promise<Contract> {
  loading ??= (async () => {
    const { default: spec } = await import("@octokit/openapi/generated/api.github.com.json", {
      with: { type: "json" },
    });
    // GitHub's description is OpenAPI 3.0: `nullable` is understood by Ajv, its `x-github` keywords are not
    // validation keywords (strict off), and formats such as `date-time` and `uri` are checked.
    allowNullInNullableEnums(spec);
    const ajv = new Ajv({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: its function is the default export of the default export.
    addFormats.default(ajv);
    ajv.addSchema(spec, SCHEMA_ID);
    const operations: Operation[] = [];
    for (const [template, item] of Object.entries(spec.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) {
        if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
        const source = template.replace(/[.+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+");
        operations.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}$`),
          pointer: `#/paths/${escape(template)}/${method}`,
          literal: template.replace(/\{[^}]+\}/g, "").length,
        });
      }
    }
    operations.sort((left, right) => right.literal - left.literal);
    return { ajv, spec, operations, validators: new Map() };
  })();
  return loading;
}

/**
 * OpenAPI 3.0's `nullable: true` admits null, also for an `enum` (GitHub answers `"start_side": null`) and for a
 * schema with no `type` of its own (`allOf` of a reference). Ajv knows `nullable` only beside `type` and applies
 * `enum` to null as well, so such schemas are rewritten once, in place: null joins the enum, and a typeless
 * nullable schema becomes "that schema, or null".
 */
function allowNullInNullableEnums(node: unknown): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const item of node) allowNullInNullableEnums(item);
    return;
  }
  const schema = node as Record<string, unknown> & { nullable?: unknown; enum?: unknown[]; type?: unknown };
  for (const value of Object.values(schema)) allowNullInNullableEnums(value);
  if (schema.nullable !== true) return;
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
  if (schema.type === undefined) {
    const inner: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema)) {
      if (key !== "nullable") inner[key] = value;
      delete schema[key];
    }
    schema.anyOf = [inner, { type: "null" }];
  }
}

/** JSON pointer escaping of one reference token. */
function escape(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * Where the node at `pointer` really is: a step onto a `{ "$ref": … }` object (a shared response such as
 * `#/components/responses/not_found`) continues at the referenced place. Undefined when nothing is there.
 */
function resolve(root: unknown, pointer: string): string | undefined {
  let node = root;
  let resolved = "#";
  for (const token of pointer.replace(/^#\//, "").split("/")) {
    if (node === null || typeof node !== "object") return undefined;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === "string" && ref.startsWith("#/")) {
      resolved = ref;
      node = ref.slice(2).split("/").reduce<unknown>(
        (parent, part) =>
          (parent as Record<string, unknown> | undefined)?.[part.replaceAll("~1", "/").replaceAll("~0", "~")],
        root,
      );
      if (node === null || typeof node !== "object") return undefined;
    }
    node = (node as Record<string, unknown>)[token.replaceAll("~1", "/").replaceAll("~0", "~")];
    resolved = `${resolved}/${token}`;
  }
  return node === undefined ? undefined : resolved;
}

/** The compiled validator of the schema at `pointer`, or null when the description has none there. */
function validator(contract: Contract, pointer: string): ValidateFunction | null {
  if (!contract.validators.has(pointer)) {
    const resolved = resolve(contract.spec, pointer);
    contract.validators.set(
      pointer,
      resolved === undefined ? null : contract.ajv.compile({ $ref: `${SCHEMA_ID}${resolved}` }),
    );
    // A schema Ajv cannot compile throws here, which the caller reports as a violation naming the operation.
  }
  return contract.validators.get(pointer)!;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).slice(0, 5).map((error) => {
    const where = error.instancePath === "" ? "the body" : error.instancePath;
    return error.keyword === "required"
      ? `${where} lacks required field "${(error.params as { missingProperty: string }).missingProperty}"`
      : `${where} ${error.message}`;
  }).join("; ");
}

/** The documented operation of a request, if GitHub's REST description has one for its method and path. */
async function operationOf(method: string, path: string): Promise<Operation | undefined> {
  const { operations } = await contract();
  return operations.find((operation) => operation.method === method && operation.pattern.test(path));
}

/**
 * What a request and its answer break of GitHub's contract; empty when both keep to it.
 * @param request method, path (without an Enterprise prefix) and parsed JSON body
 * @param response the fake's answer (its body is read from a clone)
 */
export async function contractViolations(
  request: { method: string; path: string; body: unknown },
  response: Response,
): Promise<string[]> {
  const operation = await operationOf(request.method, request.path);
  if (operation === undefined) return [];
  try {
    return await violationsOf(operation, request, response);
  } catch (error) {
    return [`${operation.method} ${operation.template}: cannot check against the description: ${error}`];
  }
}

async function violationsOf(
  operation: Operation,
  request: { method: string; path: string; body: unknown },
  response: Response,
): Promise<string[]> {
  const checked = await contract();
  const name = `${operation.method} ${operation.template}`;
  const problems: string[] = [];
  const requestSchema = `${operation.pointer}/requestBody/content/application~1json/schema`;
  if (request.body !== undefined && typeof request.body === "object") {
    const validate = validator(checked, requestSchema);
    if (validate !== null && !validate(request.body)) {
      problems.push(`${name}: the request ${describe(validate.errors)}`);
    }
  }
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json") || response.status === 204) return problems;
  const responseSchema = `${operation.pointer}/responses/${response.status}/content/application~1json/schema`;
  const validate = validator(checked, responseSchema);
  if (validate === null) return problems;
  const body = await response.clone().json();
  if (!validate(body)) problems.push(`${name} → ${response.status}: ${describe(validate.errors)}`);
  return problems;
}

/** The value at an Ajv instance path in `example`, reading the first item wherever the example has an array. */
function exampleAt(example: unknown, instancePath: string): unknown {
  let node = example;
  for (const token of instancePath.split("/").slice(1)) {
    if (Array.isArray(node)) node = node[0];
    else if (node !== null && typeof node === "object") node = (node as Record<string, unknown>)[token];
    else return undefined;
  }
  return Array.isArray(node) && /^\d+$/.test(instancePath.split("/").pop() ?? "") ? node[0] : node;
}

/** Sets `value` at `instancePath` + `key` in `body` (a parsed JSON tree). */
function setAt(body: unknown, instancePath: string, key: string, value: unknown): void {
  let node = body;
  for (const token of instancePath.split("/").slice(1)) {
    node = (node as Record<string, unknown>)[token.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  if (node !== null && typeof node === "object" && !Array.isArray(node)) {
    (node as Record<string, unknown>)[key] = value;
  }
}

/** The documented example closest to `ours`: same array-ness, then most top-level keys in common. */
function closestExample(examples: unknown[], ours: unknown): unknown {
  const keys = (value: unknown) =>
    new Set(Object.keys((Array.isArray(value) ? value[0] : value) ?? {} as Record<string, unknown>));
  const wanted = keys(ours);
  let best: unknown;
  let bestScore = -1;
  for (const example of examples) {
    if (Array.isArray(example) !== Array.isArray(ours)) continue;
    const model = keys(example);
    let score = 0;
    for (const key of wanted) if (model.has(key)) score++;
    // A `type` that differs (a file answer against a directory example) rules the example out.
    const kind = (value: unknown) => (Array.isArray(value) ? value[0] : value as { type?: unknown })?.type;
    if (kind(ours) !== undefined && kind(example) !== undefined && kind(ours) !== kind(example)) score -= 100;
    if (score > bestScore) [best, bestScore] = [example, score];
  }
  return best;
}

/**
 * The fake's answer completed from GitHub's documented example of it (see the module comment); the answer
 * itself when the operation, status or example is not documented, or the body is not JSON.
 */
export async function completeAnswer(
  request: { method: string; path: string },
  response: Response,
): Promise<Response> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json") || response.status === 204) return response;
  const operation = await operationOf(request.method, request.path);
  if (operation === undefined) return response;
  // What cannot be completed is sent as the fake wrote it; `contractViolations` then says why.
  return await completeWith(operation, response).catch(() => response);
}

async function completeWith(operation: Operation, response: Response): Promise<Response> {
  const checked = await contract();
  const pointer = resolve(
    checked.spec,
    `${operation.pointer}/responses/${response.status}/content/application~1json`,
  );
  if (pointer === undefined) return response;
  const media = pointer.slice(2).split("/").reduce<unknown>(
    (node, part) =>
      (node as Record<string, unknown> | undefined)?.[part.replaceAll("~1", "/").replaceAll("~0", "~")],
    checked.spec,
  ) as { examples?: Record<string, { value?: unknown; $ref?: string }> } | undefined;
  const examples = Object.values(media?.examples ?? {}).map((entry) => {
    if (entry.$ref === undefined) return entry.value;
    const target = resolve(checked.spec, entry.$ref);
    return target === undefined ? undefined : (target.slice(2).split("/").reduce<unknown>(
      (node, part) => (node as Record<string, unknown> | undefined)?.[part],
      checked.spec,
    ) as { value?: unknown } | undefined)?.value;
  }).filter((value) => value !== undefined);
  const body = await response.clone().json();
  const example = closestExample(examples, body);
  const validate = validator(checked, `${pointer}/schema`);
  if (example === undefined || validate === null) return response;
  // Only fields the schema requires and the fake left out are filled: an optional field's absence can mean
  // something (no `patch` for a binary file). A required list is filled empty: GitHub's examples hold items
  // that do not always match their own schema. Branches of a `oneOf` are left to the fake.
  for (let round = 0; round < 8; round++) {
    validate(body);
    const missing = (validate.errors ?? []).filter((error) =>
      error.keyword === "required" && !/\/(oneOf|anyOf)\//.test(error.schemaPath)
    );
    let filled = 0;
    for (const error of missing) {
      const key = (error.params as { missingProperty: string }).missingProperty;
      const value = (exampleAt(example, error.instancePath) as Record<string, unknown> | undefined)?.[key];
      if (value === undefined) continue;
      setAt(body, error.instancePath, key, Array.isArray(value) ? [] : structuredClone(value));
      filled++;
    }
    if (filled === 0) break;
  }
  return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
}
