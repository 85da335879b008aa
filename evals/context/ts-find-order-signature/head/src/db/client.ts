import pg from "pg";

export interface Db {
  all<T>(sql: string, params: unknown[]): Promise<T[]>;
  one<T>(sql: string, params: unknown[]): Promise<T | undefined>;
  run(sql: string, params: unknown[]): Promise<{ changes: number }>;
}

export function connect(url: string): Db {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return {
    async all<T>(sql: string, params: unknown[]) {
      return (await pool.query(sql, params)).rows as T[];
    },
    async one<T>(sql: string, params: unknown[]) {
      return (await pool.query(sql, params)).rows[0] as T | undefined;
    },
    async run(sql: string, params: unknown[]) {
      return { changes: (await pool.query(sql, params)).rowCount ?? 0 };
    },
  };
}
