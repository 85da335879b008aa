/**
 * Uploads a large request body over a plain TCP connection, as an attacker's script would: the body is one
 * reused 1 MiB buffer written again and again (the test process never holds the whole body), sent with a
 * `Content-Length` or chunked, and the upload stops as soon as the server answers or closes the connection.
 */

export interface RawUploadOptions {
  path: string;
  headers?: Record<string, string>;
  totalBytes: number;
  /** Send `Transfer-Encoding: chunked` and no `Content-Length`. */
  chunked?: boolean;
  /** Called after each MiB is written (to sample the server's memory while it receives). */
  onProgress?: (sentBytes: number) => void | Promise<void>;
}

export interface RawUploadResult {
  /** The response status, or `null` when the server closed without answering. */
  status: number | null;
  sentBytes: number;
}

const MIB = 1024 * 1024;

export async function rawUpload(url: string, options: RawUploadOptions): Promise<RawUploadResult> {
  const { hostname, port } = new URL(url);
  const connection = await Deno.connect({ hostname, port: Number(port) });
  const encoder = new TextEncoder();
  const framing = options.chunked
    ? { "transfer-encoding": "chunked" }
    : { "content-length": String(options.totalBytes) };
  const head = [
    `POST ${options.path} HTTP/1.1`,
    `host: ${hostname}:${port}`,
    ...Object.entries({ ...options.headers, ...framing }).map(([name, value]) => `${name}: ${value}`),
    "",
    "",
  ].join("\r\n");
  let status: number | null = null;
  let closed = false;
  const answered = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    let text = "";
    try {
      while (status === null) {
        const read = await connection.read(buffer);
        if (read === null) break;
        text += new TextDecoder().decode(buffer.subarray(0, read));
        const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
        if (match && text.includes("\r\n\r\n")) status = Number(match[1]);
      }
    } catch {
      // Reset by the server: no (more) answer.
    }
    closed = true;
  })();
  const chunk = new Uint8Array(MIB).fill(0x61);
  const chunkHead = encoder.encode(`${MIB.toString(16)}\r\n`);
  const crlf = encoder.encode("\r\n");
  let sentBytes = 0;
  try {
    await writeAll(connection, encoder.encode(head));
    while (sentBytes < options.totalBytes && status === null && !closed) {
      if (options.chunked) await writeAll(connection, chunkHead);
      await writeAll(connection, chunk);
      if (options.chunked) await writeAll(connection, crlf);
      sentBytes += MIB;
      await options.onProgress?.(sentBytes);
    }
    if (options.chunked && status === null && !closed) {
      await writeAll(connection, encoder.encode("0\r\n\r\n"));
    }
  } catch {
    // The server closed the connection while the body was still coming: it stopped reading, as it should.
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, 30_000));
  await Promise.race([answered, timeout]);
  clearTimeout(timer);
  try {
    connection.close();
  } catch {
    // Already closed.
  }
  await answered;
  return { status, sentBytes };
}

async function writeAll(connection: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength;) offset += await connection.write(bytes.subarray(offset));
}
