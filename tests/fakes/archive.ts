/**
 * Repository snapshots as the platforms' archive endpoints send them, built from a fake repository's files: a
 * gzip-compressed tar in the layout `git archive` writes — a pax global header carrying the commit id, every entry
 * under one top folder, a directory entry before the files in it, and a pax `path` record for names over the
 * 100 bytes a ustar header holds.
 */
const BLOCK = 512;
const TEXT = new TextEncoder();

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, "0") + "\0";
}

function header(name: string, size: number, type: string): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (text: string, offset: number) => block.set(TEXT.encode(text), offset);
  put(name.length <= 100 ? name : name.slice(0, 100), 0);
  put(octal(type === "5" ? 0o775 : 0o664, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(0, 12), 136);
  put("        ", 148);
  put(type, 156);
  put("ustar\u000000", 257);
  put("root", 265);
  put("root", 297);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(octal(sum, 7) + " ", 148);
  return block;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = TEXT.encode(body).length + 1;
  while (String(length).length + TEXT.encode(body).length !== length) length++;
  return `${length}${body}`;
}

function entry(name: string, data: Uint8Array, type: string): Uint8Array[] {
  const parts: Uint8Array[] = [];
  if (TEXT.encode(name).length > 100) {
    const pax = TEXT.encode(paxRecord("path", name));
    parts.push(...entry(`PaxHeaders/${name.slice(0, 80)}`, pax, "x"));
  }
  parts.push(header(name, data.length, type), data);
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  if (pad > 0) parts.push(new Uint8Array(pad));
  return parts;
}

/** The uncompressed tar of `files` (path → text, or bytes for a binary file) under `folder/`. */
export function tarOf(
  folder: string,
  files: Iterable<[string, string | Uint8Array]>,
  commit?: string,
): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  if (commit !== undefined) {
    parts.push(...entry("pax_global_header", TEXT.encode(paxRecord("comment", commit)), "g"));
  }
  parts.push(...entry(`${folder}/`, new Uint8Array(0), "5"));
  const folders = new Set<string>();
  const sorted = [...files].sort(([left], [right]) => left < right ? -1 : left > right ? 1 : 0);
  for (const [path, content] of sorted) {
    const segments = path.split("/");
    for (let depth = 1; depth < segments.length; depth++) {
      const dir = segments.slice(0, depth).join("/");
      if (!folders.has(dir)) {
        folders.add(dir);
        parts.push(...entry(`${folder}/${dir}/`, new Uint8Array(0), "5"));
      }
    }
    parts.push(
      ...entry(`${folder}/${path}`, typeof content === "string" ? TEXT.encode(content) : content, "0"),
    );
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `tarOf`, gzip-compressed, as a response body. */
export function tarGzOf(
  folder: string,
  files: Iterable<[string, string | Uint8Array]>,
  commit?: string,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  const tar = tarOf(folder, files, commit);
  return new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip"));
}

/** An archive answer: `application/x-gzip` and a download file name, as the platforms send it. */
export function archiveResponse(
  fileName: string,
  folder: string,
  files: Iterable<[string, string | Uint8Array]>,
  commit?: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(tarGzOf(folder, files, commit), {
    headers: {
      "content-type": "application/x-gzip",
      "content-disposition": `attachment; filename=${fileName}`,
      ...headers,
    },
  });
}

/** A seeded pull request as the GitLab and Gitea fakes keep it: file contents on each side. */
interface SeededPullRequest {
  repo: string;
  headSha: string;
  headRef?: string;
  baseSha: string;
  baseRef?: string;
  files: Record<string, { base?: string; head?: string }>;
}

/**
 * The repository's files at `ref` as far as the fake knows them: the head or base side of every pull request of
 * `repo` at that commit or branch; undefined when no pull request is there (the platform's 404).
 */
export function snapshotOf(
  pullRequests: Iterable<SeededPullRequest>,
  repo: string,
  ref: string,
): Map<string, string> | undefined {
  let found = false;
  const files = new Map<string, string>();
  for (const pr of pullRequests) {
    if (pr.repo.toLowerCase() !== repo.toLowerCase()) continue;
    const side = ref === pr.headSha || ref === pr.headRef
      ? "head"
      : ref === pr.baseSha || ref === pr.baseRef
      ? "base"
      : undefined;
    if (side === undefined) continue;
    found = true;
    for (const [path, content] of Object.entries(pr.files)) {
      if (content[side] !== undefined) files.set(path, content[side]);
    }
  }
  return found ? files : undefined;
}
