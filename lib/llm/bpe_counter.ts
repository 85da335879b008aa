/**
 * Byte-pair token counting (tiktoken's algorithm) over a compact rank table, for budgets and chunking.
 *
 * Why not `gpt-tokenizer`'s own encoder: it builds the o200k vocabulary from a 2.4 MB JavaScript module of
 * 200,000 string literals plus a `Map` from each string to its rank, which costs a worker about 80 MB of resident
 * memory before the first review. Counting needs no decoding, so this module keeps the vocabulary as bytes: every
 * token's bytes back to back in one `Uint8Array`, their offsets and ranks in `Uint32Array`s, and an
 * open-addressing hash table of entry numbers — about 5 MB, outside the JavaScript object heap. The result is
 * the same count as `gpt-tokenizer` (tested token for token against it in `bpe_counter_test.ts`).
 */

/** Counts the tokens of `text` as the encoding's tokenizer would, with special-token text counted as text. */
export type BpeCounter = (text: string) => number;

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_VALUES = new Int8Array(128).fill(-1);
for (let index = 0; index < BASE64.length; index++) BASE64_VALUES[BASE64.charCodeAt(index)] = index;
const NEWLINE = 10;
const SPACE = 32;
const EQUALS = 61;
const NOT_FOUND = -1;
/** Pieces whose counts a counter remembers: about 1 MB at most, and most of a review's repeated pieces. */
const RECENT_PIECES = 8192;
/**
 * V8 makes a match of 13 or more characters a slice that keeps the whole searched text alive; only shorter
 * pieces, which are copies, are remembered, so the cache never holds on to a reviewed file.
 */
const SLICE_MIN_LENGTH = 13;

/**
 * Above this many bytes a piece is merged with a heap instead of rescanning every pair per merge: the rescan is
 * quadratic, so one 200 KB run of letters in a diff (a blob, a generated line) took 30 s to count.
 */
const LONG_PIECE_BYTES = 256;

/** The vocabulary of one encoding: token bytes → rank. */
export interface RankTable {
  size: number;
  /** The rank of `bytes[start, end)`, or -1 when those bytes are not one token. */
  rank(bytes: Uint8Array, start: number, end: number): number;
}

/** FNV-1a over a byte range: cheap, and spreads short tokens well enough for a half-empty table. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < end; index++) hash = Math.imul(hash ^ bytes[index]!, 0x01000193);
  return hash >>> 0;
}

/**
 * Reads a `.tiktoken` rank file (`<base64 token> <rank>` per line, as tiktoken and `gpt-tokenizer` ship them)
 * straight from its bytes, without building a string per line. A first pass sizes the arrays exactly, so
 * nothing is allocated twice.
 */
export function parseTiktokenRanks(file: Uint8Array): RankTable {
  let entries = 0;
  let totalBytes = 0;
  forEachLine(file, (from, space) => {
    let chars = space - from;
    while (chars > 0 && file[from + chars - 1] === EQUALS) chars--;
    entries++;
    totalBytes += Math.floor((chars * 6) / 8);
  });
  const bytes = new Uint8Array(totalBytes);
  const starts = new Uint32Array(entries + 1);
  const ranks = new Uint32Array(entries);
  let entry = 0;
  let used = 0;
  forEachLine(file, (from, space, end, line) => {
    starts[entry] = used;
    let bits = 0;
    let buffer = 0;
    for (let index = from; index < space && file[index] !== EQUALS; index++) {
      const code = file[index]!;
      const value = code < 128 ? BASE64_VALUES[code]! : NOT_FOUND;
      if (value === NOT_FOUND) throw new Error(`Rank file line ${line} has a token that is not base64`);
      buffer = ((buffer << 6) | value) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes[used++] = (buffer >> bits) & 0xff;
      }
    }
    let rank = 0;
    for (let index = space + 1; index < end; index++) {
      const digit = file[index]! - 48;
      if (digit < 0 || digit > 9) throw new Error(`Rank file line ${line} has a rank that is not a number`);
      rank = rank * 10 + digit;
    }
    ranks[entry++] = rank;
  });
  starts[entry] = used;
  return createRankTable(bytes, starts, ranks);
}

/** Calls `visit` with the token's start, the space, the line's end and its number, for each non-empty line. */
function forEachLine(
  file: Uint8Array,
  visit: (from: number, space: number, end: number, line: number) => void,
): void {
  let position = 0;
  let line = 1;
  while (position < file.length) {
    let end = file.indexOf(NEWLINE, position);
    if (end < 0) end = file.length;
    if (end > position) {
      const space = file.indexOf(SPACE, position);
      if (space < 0 || space >= end) {
        throw new Error(`Rank file line ${line} has no space between token and rank`);
      }
      visit(position, space, end, line);
    }
    position = end + 1;
    line++;
  }
}

function createRankTable(bytes: Uint8Array, starts: Uint32Array, ranks: Uint32Array): RankTable {
  const size = ranks.length;
  let capacity = 1;
  while (capacity < size * 2) capacity *= 2;
  const mask = capacity - 1;
  // Entry number + 1 per slot, 0 for empty; linear probing.
  const slots = new Int32Array(capacity);
  for (let entry = 0; entry < size; entry++) {
    let slot = hashBytes(bytes, starts[entry]!, starts[entry + 1]!) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = entry + 1;
  }
  return {
    size,
    rank(key, start, end) {
      const length = end - start;
      let slot = hashBytes(key, start, end) & mask;
      for (let entry = slots[slot]! - 1; entry >= 0; entry = slots[slot]! - 1) {
        const from = starts[entry]!;
        if (starts[entry + 1]! - from === length) {
          let index = 0;
          while (index < length && bytes[from + index] === key[start + index]) index++;
          if (index === length) return ranks[entry]!;
        }
        slot = (slot + 1) & mask;
      }
      return NOT_FOUND;
    },
  };
}

/**
 * A counter for one encoding: `splitPattern` cuts text into pieces (tiktoken's pre-tokenizer), and each piece is
 * one token when its bytes are in the vocabulary, or else as many as byte-pair merging leaves.
 */
export function createBpeCounter(table: RankTable, splitPattern: RegExp): BpeCounter {
  const split = new RegExp(
    splitPattern.source,
    splitPattern.flags.includes("g") ? splitPattern.flags : `${splitPattern.flags}g`,
  );
  const encoder = new TextEncoder();
  let piece = new Uint8Array(1024);
  // Part boundaries and the rank of merging each part with the next, reused across pieces.
  let starts = new Int32Array(1025);
  let ranks = new Float64Array(1025);

  const pairRank = (parts: number, index: number): number =>
    index + 2 <= parts ? orInfinity(table.rank(piece, starts[index]!, starts[index + 2]!)) : Infinity;

  const mergeCount = (length: number): number => {
    if (starts.length < length + 1) {
      starts = new Int32Array(length + 1);
      ranks = new Float64Array(length + 1);
    }
    for (let index = 0; index <= length; index++) starts[index] = index;
    let parts = length;
    for (let index = 0; index < parts; index++) ranks[index] = pairRank(parts, index);
    while (parts > 1) {
      // The lowest-ranked adjacent pair merges first; on a tie, the leftmost (as tiktoken does).
      let lowest = Infinity;
      let at = -1;
      for (let index = 0; index < parts - 1; index++) {
        if (ranks[index]! < lowest) {
          lowest = ranks[index]!;
          at = index;
        }
      }
      if (at < 0) break;
      starts.copyWithin(at + 1, at + 2, parts + 1);
      ranks.copyWithin(at, at + 1, parts);
      parts--;
      ranks[at] = pairRank(parts, at);
      if (at > 0) ranks[at - 1] = pairRank(parts, at - 1);
    }
    return parts;
  };

  // Code repeats its pieces (keywords, indentation, punctuation); remembering recent counts skips the encoding.
  const recent = new Map<string, number>();
  return (text) => {
    let count = 0;
    for (const [match] of text.matchAll(split)) {
      let tokens = recent.get(match);
      if (tokens === undefined) {
        // UTF-8 needs at most three bytes per UTF-16 code unit.
        if (piece.length < match.length * 3) piece = new Uint8Array(match.length * 3);
        const length = encoder.encodeInto(match, piece).written;
        tokens = table.rank(piece, 0, length) !== NOT_FOUND
          ? 1
          : length <= LONG_PIECE_BYTES
          ? mergeCount(length)
          : mergeCountLong(table, piece, length);
        if (match.length < SLICE_MIN_LENGTH) {
          if (recent.size >= RECENT_PIECES) recent.clear();
          recent.set(match, tokens);
        }
      }
      count += tokens;
    }
    return count;
  };
}

function orInfinity(rank: number): number {
  return rank === NOT_FOUND ? Infinity : rank;
}

/**
 * The same merges as the pair rescan in `createBpeCounter`, in O(n log n): every adjacent pair that is a token
 * waits in a min-heap keyed by (rank, start of its left part), so the pop is the lowest rank and, on a tie, the
 * leftmost pair, as in the rescan. Parts are a linked list over byte offsets; a merge leaves stale entries
 * behind, which are recognised on pop because the parts they name no longer have the same boundaries.
 */
function mergeCountLong(table: RankTable, piece: Uint8Array, length: number): number {
  const next = new Int32Array(length);
  const previous = new Int32Array(length);
  const alive = new Uint8Array(length).fill(1);
  for (let index = 0; index < length; index++) {
    next[index] = index + 1;
    previous[index] = index - 1;
  }
  // Each merge adds at most two pairs, so 3 × length entries are enough.
  const heap = new PairHeap(3 * length);
  const pushPair = (left: number, right: number, end: number) => {
    const rank = table.rank(piece, left, end);
    if (rank !== NOT_FOUND) heap.push(rank, left, right, end);
  };
  for (let index = 0; index + 1 < length; index++) pushPair(index, index + 1, index + 2);
  let parts = length;
  while (heap.size > 0) {
    const { left, right, end } = heap.pop();
    if (!alive[left] || next[left] !== right || next[right] !== end) continue;
    alive[right] = 0;
    next[left] = end;
    if (end < length) previous[end] = left;
    parts--;
    if (end < length) pushPair(left, end, next[end]!);
    const before = previous[left]!;
    if (before >= 0) pushPair(before, left, end);
  }
  return parts;
}

/** A binary min-heap of candidate merges over typed arrays, ordered by rank, then by left offset. */
class PairHeap {
  size = 0;
  readonly #keys: Float64Array;
  readonly #lefts: Int32Array;
  readonly #rights: Int32Array;
  readonly #ends: Int32Array;

  constructor(capacity: number) {
    this.#keys = new Float64Array(capacity);
    this.#lefts = new Int32Array(capacity);
    this.#rights = new Int32Array(capacity);
    this.#ends = new Int32Array(capacity);
  }

  push(rank: number, left: number, right: number, end: number): void {
    // Ranks stay below 2^21 and offsets below 2^32, so one exact double orders by both.
    const key = rank * 2 ** 32 + left;
    let index = this.size++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.#keys[parent]! <= key) break;
      this.#move(parent, index);
      index = parent;
    }
    this.#set(index, key, left, right, end);
  }

  pop(): { left: number; right: number; end: number } {
    const top = { left: this.#lefts[0]!, right: this.#rights[0]!, end: this.#ends[0]! };
    const last = --this.size;
    const key = this.#keys[last]!;
    const left = this.#lefts[last]!;
    const right = this.#rights[last]!;
    const end = this.#ends[last]!;
    let index = 0;
    while (true) {
      let child = 2 * index + 1;
      if (child >= last) break;
      if (child + 1 < last && this.#keys[child + 1]! < this.#keys[child]!) child++;
      if (this.#keys[child]! >= key) break;
      this.#move(child, index);
      index = child;
    }
    if (last > 0) this.#set(index, key, left, right, end);
    return top;
  }

  #move(from: number, to: number): void {
    this.#set(to, this.#keys[from]!, this.#lefts[from]!, this.#rights[from]!, this.#ends[from]!);
  }

  #set(index: number, key: number, left: number, right: number, end: number): void {
    this.#keys[index] = key;
    this.#lefts[index] = left;
    this.#rights[index] = right;
    this.#ends[index] = end;
  }
}
