import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { configuredHosts, hostOfUrl } from "./hosts.ts";

Deno.test("a platform's API URL and web URL give one host", () => {
  assert.equal(hostOfUrl("https://api.github.com"), "github.com");
  assert.equal(hostOfUrl("https://github.com/acme/app"), "github.com");
  assert.equal(hostOfUrl("https://GHE.example.com/api/v3"), "ghe.example.com");
  assert.equal(hostOfUrl("https://api.bitbucket.org/2.0"), "bitbucket.org");
  assert.equal(hostOfUrl("https://gitlab.example.com:8443/"), "gitlab.example.com:8443");
  assert.equal(
    hostOfUrl("https://gitlab.example.com:443/"),
    "gitlab.example.com",
    "a default port is not kept",
  );
});

Deno.test("the server's configured instances: hosted services by default, Gitea and Bitbucket Data Center only when configured", () => {
  assert.deepEqual(configuredHosts(loadServerConfig({})), {
    github: "github.com",
    gitlab: "gitlab.com",
    gitea: null,
    bitbucket: "bitbucket.org",
    bitbucket_server: null,
    azure_devops: "dev.azure.com",
  });
  const custom = configuredHosts(loadServerConfig({
    LOOM_GITHUB_API_URL: "https://ghe.example.com/api/v3",
    LOOM_GITEA_URL: "http://127.0.0.1:3000",
    LOOM_BITBUCKET_SERVER_URL: "https://bitbucket.example.com/rest/api/1.0",
  }));
  assert.equal(custom.github, "ghe.example.com");
  assert.equal(custom.gitea, "127.0.0.1:3000");
  assert.equal(custom.bitbucket_server, "bitbucket.example.com");
});
