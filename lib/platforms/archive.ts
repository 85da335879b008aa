/**
 * Reads a repository snapshot as the platforms serve it — a gzip-compressed tar whose entries all sit under one
 * top folder (GitHub `owner-repo-sha/`, GitLab `project-sha-sha/`, Gitea `repo/`) — as a stream of text files,
 * without holding the archive: the body is decompressed with `DecompressionStream` and read entry by entry, and
 * only the entry being read is in memory. Guarantees:
 * - a file over `maxFileBytes`, one `wanted` refuses, or one that is not UTF-8 text (a NUL byte or an invalid
 *   sequence) is skipped without being buffered whole, and counted;
 * - reading stops (and the download is cancelled) once `maxFiles` files were given or `maxTotalBytes` of
 *   uncompressed entries were read, and `stats.truncated` says so;
 * - paths are relative to the repository root, `/`-separated, never absolute and never with `..` segments;
 *   symbolic links, directories and other special entries are left out.
 * Understood: POSIX ustar, pax extended headers (`path`, `size`) and GNU long names — what `git archive`
 * writes (a pax global header carries the commit id; names over 100 bytes use ustar's prefix or pax).
 */
import type { ArchiveLimits, RepositoryArchive, RepositoryArchiveStats } from "./types.ts";

export type { ArchiveLimits };

export const DEFAULT_ARCHIVE_LIMITS = {
  maxFileBytes: 256 * 1024,
  maxTotalBytes: 200 * 1024 * 1024,
  maxFiles: 20_000,
} as const;

const BLOCK = 512;

/** Pulls exact byte counts out of a stream of chunks, copying only what is asked for. */
class ByteReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #offset = 0;
  #done = false;
  consumed = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  async #fill(): Promise<boolean> {
    while (this.#offset >= this.#chunk.length) {
      if (this.#done) return false;
      const { value, done } = await this.#reader.read();
      if (done) {
        this.#done = true;
        return false;
      }
      this.#chunk = value;
      this.#offset = 0;
    }
    return true;
  }

  /** Exactly `length` bytes, or null when the stream ends first. */
  async read(length: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (!await this.#fill()) return null;
      const take = Math.min(length - filled, this.#chunk.length - this.#offset);
      out.set(this.#chunk.subarray(this.#offset, this.#offset + take), filled);
      this.#offset += take;
      filled += take;
    }
    this.consumed += length;
    return out;
  }

  /** Drops `length` bytes; false when the stream ends first. */
  async skip(length: number): Promise<boolean> {
    let left = length;
    while (left > 0) {
      if (!await this.#fill()) return false;
      const take = Math.min(left, this.#chunk.length - this.#offset);
      this.#offset += take;
      left -= take;
    }
    this.consumed += length;
    return true;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

const LATIN1 = new TextDecoder("latin1");
const UTF8 = new TextDecoder("utf-8", { fatal: true });

function field(block: Uint8Array, start: number, length: number): string {
  const bytes = block.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** A numeric header field: octal text, or GNU's base-256 form (high bit set) for sizes of 8 GB and more. */
function number(block: Uint8Array, start: number, length: number): number {
  if ((block[start]! & 0x80) !== 0) {
    let value = 0;
    for (let index = start + 1; index < start + length; index++) value = value * 256 + block[index]!;
    return value;
  }
  const text = LATIN1.decode(block.subarray(start, start + length)).replace(/[\0 ]+$/g, "").trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function checksumMatches(block: Uint8Array): boolean {
  let sum = 0;
  for (let index = 0; index < BLOCK; index++) sum += index >= 148 && index < 156 ? 32 : block[index]!;
  return sum === number(block, 148, 8);
}

/** Pax records: `<length> <key>=<value>\n` each. */
function paxRecords(bytes: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  const text = new TextDecoder().decode(bytes);
  for (const line of text.split("\n")) {
    const match = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (match) records.set(match[1]!, match[2]!);
  }
  return records;
}

/** The path inside the repository: the top folder dropped, or null for a path that is not a safe relative one. */
function repositoryPath(name: string): string | null {
  const parts = name.replace(/^\.\//, "").split("/").filter((part) => part !== "" && part !== ".");
  if (parts.length < 2 || parts.some((part) => part === "..")) return null;
  return parts.slice(1).join("/");
}

function isText(bytes: Uint8Array): string | null {
  // Git's own test: a NUL byte in the first 8,000 bytes means binary.
  if (bytes.subarray(0, 8000).includes(0)) return null;
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The text files of a `.tar.gz` body, read as they arrive.
 * @param body the compressed archive, as `fetch` gives it
 * @param limits size caps and a path filter (`DEFAULT_ARCHIVE_LIMITS` for what is not given)
 * @returns the files (iterate once) and counters that are final when iteration ends
 * @throws {Error} while iterating, for a corrupt archive (bad checksum, truncated entry) or a failed download
 */
export function readTarGz(
  body: ReadableStream<Uint8Array<ArrayBuffer>>,
  limits: ArchiveLimits = {},
): RepositoryArchive {
  const maxFileBytes = limits.maxFileBytes ?? DEFAULT_ARCHIVE_LIMITS.maxFileBytes;
  const maxTotalBytes = limits.maxTotalBytes ?? DEFAULT_ARCHIVE_LIMITS.maxTotalBytes;
  const maxFiles = limits.maxFiles ?? DEFAULT_ARCHIVE_LIMITS.maxFiles;
  const stats: RepositoryArchiveStats = {
    files: 0,
    bytes: 0,
    skippedLarge: 0,
    skippedBinary: 0,
    skippedUnwanted: 0,
    truncated: false,
  };
  async function* files() {
    const reader = new ByteReader(body.pipeThrough(new DecompressionStream("gzip")));
    let longName: string | undefined;
    let pax = new Map<string, string>();
    try {
      while (true) {
        const header = await reader.read(BLOCK);
        if (header === null) throw new Error("Cannot read the archive: it ends inside an entry");
        // Two zero blocks end the archive; one is enough to stop.
        if (header.every((byte) => byte === 0)) return;
        if (!checksumMatches(header)) {
          throw new Error("Cannot read the archive: a header's checksum is wrong");
        }
        const type = String.fromCharCode(header[156]!);
        const size = pax.has("size") ? Number(pax.get("size")) : number(header, 124, 12);
        const padded = Math.ceil(size / BLOCK) * BLOCK;
        if (type === "x" || type === "g" || type === "L") {
          // Metadata entries are small (a path, a commit id); 1 MB is far beyond any real one.
          if (size > 1024 * 1024) throw new Error("Cannot read the archive: a metadata entry is over 1 MB");
          const data = await reader.read(padded);
          if (data === null) throw new Error("Cannot read the archive: it ends inside an entry");
          if (type === "x") pax = paxRecords(data.subarray(0, size));
          if (type === "L") longName = field(data, 0, size);
          continue;
        }
        const prefix = field(header, 345, 155);
        const name = pax.get("path") ?? longName ??
          (prefix === "" ? field(header, 0, 100) : `${prefix}/${field(header, 0, 100)}`);
        pax = new Map();
        longName = undefined;
        if (stats.bytes + size > maxTotalBytes) {
          stats.truncated = true;
          return;
        }
        stats.bytes += size;
        const path = type === "0" || type === "\0" || type === "7" ? repositoryPath(name) : null;
        if (path === null || size > maxFileBytes || (limits.wanted !== undefined && !limits.wanted(path))) {
          if (path !== null) size > maxFileBytes ? stats.skippedLarge++ : stats.skippedUnwanted++;
          if (!await reader.skip(padded)) throw new Error("Cannot read the archive: it ends inside an entry");
          continue;
        }
        const data = await reader.read(padded);
        if (data === null) throw new Error("Cannot read the archive: it ends inside an entry");
        const text = isText(data.subarray(0, size));
        if (text === null) {
          stats.skippedBinary++;
          continue;
        }
        if (stats.files >= maxFiles) {
          stats.truncated = true;
          return;
        }
        stats.files++;
        yield { path, text };
      }
    } finally {
      // Stopping early (a cap, the caller breaking off) cancels the download instead of reading it to the end.
      await reader.cancel();
    }
  }
  return { files: files(), stats };
}
