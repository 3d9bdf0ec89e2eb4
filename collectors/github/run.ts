import { readSecret } from "../core/secrets.ts";
import type { CollectContext, SourceContext } from "../core/stream.ts";
import { createGithubClient, type GithubClient } from "./client.ts";
import { CommitsRun } from "./commits.ts";
import { githubSettings } from "./targets.ts";

export interface GithubSourceOptions {
  /** How many repositories' stored rows github.commits reads at once (default 25; tests use 1). */
  storedReadsChunk?: number;
}

/** What GitHub's streams share during one run: one client, and github.commits' read-ahead. */
export class GithubRun {
  private built: GithubClient | undefined;
  readonly commits: CommitsRun;
  /** github.deployments: per repository, when its stored deployments still running started (epoch ms). */
  running = new Map<string, number[]>();

  constructor(
    private readonly ctx: SourceContext,
    options: GithubSourceOptions = {},
  ) {
    this.commits = new CommitsRun(options.storedReadsChunk ?? 25);
  }

  /** Built on first use: the token is read once (through readSecret), inside a stream. */
  get client(): GithubClient {
    if (!this.built) {
      const settings = githubSettings(this.ctx.config);
      this.built = createGithubClient({ settings, token: readSecret(settings.token_env), log: this.ctx.log.child({ source: "github" }), requests: this.ctx.requests });
    }
    return this.built;
  }
}

export type GithubContext = CollectContext<GithubRun>;
