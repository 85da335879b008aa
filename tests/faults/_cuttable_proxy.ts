/**
 * A TCP proxy for database fault tests: the shared PostgreSQL server is never restarted (other tests use it);
 * instead the code under test reaches it through this proxy, which a test cuts — every open connection closed and
 * new ones refused, as during a restart or failover — and then restores.
 */
/** A TCP proxy whose connections can all be cut at once, refusing new ones until restored. */
export function startCuttableProxy(target: { hostname: string; port: number }) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let refusing = false;
  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    try {
      await from.readable.pipeTo(to.writable, { preventClose: false });
    } catch {
      // The other side went away or the test cut the link.
    }
  };
  const close = (conn: Deno.Conn) => {
    open.delete(conn);
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  };
  const pumps: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const client of listener) {
      if (refusing) {
        close(client);
        continue;
      }
      open.add(client);
      pumps.push((async () => {
        let server: Deno.Conn;
        try {
          server = await Deno.connect(target);
        } catch {
          close(client);
          return;
        }
        open.add(server);
        await Promise.all([pipe(client, server), pipe(server, client)]);
        close(client);
        close(server);
      })());
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    cut() {
      refusing = true;
      for (const conn of [...open]) close(conn);
    },
    restore() {
      refusing = false;
    },
    async close() {
      refusing = true;
      listener.close();
      for (const conn of [...open]) close(conn);
      await accepting.catch(() => {});
      await Promise.all(pumps);
    },
  };
}
