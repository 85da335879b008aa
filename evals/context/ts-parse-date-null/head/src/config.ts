export interface Config {
  databaseUrl: string;
  port: number;
  cacheSeconds: number;
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  return {
    databaseUrl: env.DATABASE_URL ?? "postgres://localhost/shop",
    port: Number(env.PORT ?? 8080),
    cacheSeconds: Number(env.CACHE_SECONDS ?? 300),
  };
}
