import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { Cron } from "croner";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { findChromium } from "../../reports/pdf.ts";
import { withTempDir } from "../helpers/db.ts";

const read = (p: string) => readFileSync(`deploy/${p}`, "utf8");
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;

/** A small systemd unit parser: section → key → values (keys may repeat). */
function unit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      out[section] ??= {};
      continue;
    }
    const eq = line.indexOf("=");
    expect(eq, `not key=value: ${line}`).toBeGreaterThan(0);
    expect(section, `key outside a section: ${line}`).not.toBe("");
    ((out[section]![line.slice(0, eq)] ??= []) as string[]).push(line.slice(eq + 1));
  }
  return out;
}

/** Every file of deploy/ (and the .dockerignore), for rules that hold in all of them. */
function deployFiles(): string[] {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  return walk("deploy");
}

/**
 * .dockerignore as Docker reads it (moby/patternmatcher): patterns in order, the last one matching
 * the path or one of its parent folders wins; `!` re-includes; `**` spans folders, `*` and `?` do not.
 */
function dockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const include = l.startsWith("!");
      const glob = (include ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
      let re = "";
      for (let i = 0; i < glob.length; i++) {
        const c = glob[i]!;
        if (c === "*" && glob[i + 1] === "*") {
          re += glob[i + 2] === "/" ? "(.*/)?" : ".*";
          i += glob[i + 2] === "/" ? 2 : 1;
        } else if (c === "*") re += "[^/]*";
        else if (c === "?") re += "[^/]";
        else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
      }
      return { include, re: new RegExp(`^${re}$`) };
    });
  return (path) => {
    const parts = path.split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const p of patterns) if (candidates.some((c) => p.re.test(c))) excluded = !p.include;
    return !excluded;
  };
}

const inContext = dockerignore(readFileSync(".dockerignore", "utf8"));

/** The files `docker build .` would send: every file of the checkout that .dockerignore keeps. */
function contextFiles(root = "."): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir)).flatMap((name) => {
      const rel = dir ? `${dir}/${name}` : name;
      if (statSync(join(root, rel)).isDirectory()) return name === "node_modules" || name === ".git" ? [] : walk(rel);
      return inContext(rel) ? [rel] : [];
    });
  return walk("");
}

/** Folders of the production dependency set, as `npm ci --omit=dev` installs it (outermost only). */
function productionPackages(): string[] {
  const r = spawnSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const dirs = r.stdout
    .split("\n")
    .filter(Boolean)
    .map((p) => relative(process.cwd(), p))
    .filter((p) => p.startsWith("node_modules/"))
    .sort();
  return dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(`${o}/`)));
}

describe("deploy manifests", () => {
  it("no deploy file calls `npx dora`: each calls the installed entry point by path", () => {
    for (const file of deployFiles()) expect(readFileSync(file, "utf8").split("\n").filter((l) => !l.trim().startsWith("#")).join("\n"), file).not.toMatch(/\bnpx\b/);
  });

  it("crontab: a valid 5-field schedule that runs bin/dora.js under flock, the env file read as data by node", () => {
    const line = read("cron/dora.crontab").split("\n").find((l) => l.trim() && !l.startsWith("#"))!;
    const fields = line.split(/\s+/);
    const schedule = fields.slice(0, 5).join(" ");
    expect(new Cron(schedule, { paused: true }).nextRun()).toBeInstanceOf(Date);
    expect(fields[5]).toBe("dora"); // /etc/cron.d format names the user
    expect(line).toMatch(/flock -n \S+ \/usr\/bin\/node --env-file=\/etc\/dora\/env \/srv\/dora\/bin\/dora\.js run/);
    // Not sourced by the shell: no `.`/`source`/`set -a`, no eval.
    expect(line).not.toMatch(/(^|[;&|]\s*)(\.|source)\s|set -a|eval/);
    expect(line).not.toMatch(/TOKEN=/);
  });

  it("node --env-file (as the crontab uses it) keeps shell syntax in values as text and runs none of it", async () => {
    await withTempDir(async (dir) => {
      const marker = join(dir, "ran");
      const env = join(dir, "env");
      writeFileSync(env, `A=$(touch ${marker})\nB=x; touch ${marker}\nC=\${HOME}\n`);
      const r = spawnSync(process.execPath, [`--env-file=${env}`, "-e", "process.stdout.write(JSON.stringify([process.env.A, process.env.B, process.env.C]))"], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: "/home/x" } });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([`$(touch ${marker})`, `x; touch ${marker}`, "${HOME}"]);
      expect(existsSync(marker)).toBe(false);
    });
  });

  it("systemd: a oneshot service running bin/dora.js by path, hardened, with a persistent daily timer", () => {
    const service = unit(read("systemd/dora.service"));
    const s = service.Service!;
    expect(s.Type).toEqual(["oneshot"]);
    expect(s.ExecStart?.[0]).toMatch(/^\/usr\/bin\/node \/srv\/dora\/bin\/dora\.js run /);
    expect(s.EnvironmentFile).toBeDefined();
    expect(s.User).toEqual(["dora"]);
    for (const key of ["NoNewPrivileges", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "RestrictSUIDSGID", "RestrictNamespaces", "LockPersonality"]) {
      expect(s[key], key).toEqual(["true"]);
    }
    expect(s.ProtectSystem).toEqual(["strict"]);
    expect(s.CapabilityBoundingSet).toEqual([""]); // empty: no capability at all
    expect(s.SystemCallFilter).toEqual(["@system-service"]);
    const families = s.RestrictAddressFamilies?.[0]?.split(/\s+/) ?? [];
    expect(families).toContain("AF_INET");
    expect(families.every((f) => ["AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"].includes(f)), families.join(" ")).toBe(true);
    expect(s.MemoryDenyWriteExecute).toBeUndefined(); // V8's JIT needs it off
    const timer = unit(read("systemd/dora.timer"));
    expect(timer.Timer?.OnCalendar?.[0]).toMatch(/^\*-\*-\* \d{2}:\d{2}:\d{2}$/);
    expect(timer.Timer?.Persistent).toEqual(["true"]);
    expect(timer.Install?.WantedBy).toEqual(["timers.target"]);
  });

  it.skipIf(!has("systemd-analyze"))("systemd: systemd-analyze verifies the units and rates the service's exposure low", async () => {
    await withTempDir(async (dir) => {
      for (const f of ["dora.service", "dora.timer"]) cpSync(`deploy/systemd/${f}`, join(dir, f));
      const verify = spawnSync("systemd-analyze", ["verify", join(dir, "dora.service"), join(dir, "dora.timer")], { encoding: "utf8" });
      // Only complaints about these two files count (the host's own units may have some).
      const own = `${verify.stdout}${verify.stderr}`.split("\n").filter((l) => l.includes(dir) && !/\/usr\/bin\/node.*(not executable|No such file)/.test(l));
      expect(own).toEqual([]);
      const security = spawnSync("systemd-analyze", ["security", "--offline=true", "--no-pager", "dora.service"], { cwd: dir, encoding: "utf8" });
      const level = /Overall exposure level for dora\.service: ([\d.]+)/.exec(security.stdout)?.[1];
      expect(level, security.stdout + security.stderr).toBeDefined();
      expect(Number(level)).toBeLessThanOrEqual(2.5);
    });
  });

  it("Kubernetes: tokens as mounted files, no service-account token, non-root, read-only root, image by digest, egress policy", () => {
    const text = read("kubernetes/cronjob.yaml");
    const docs = parseAllDocuments(text).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    });
    const cron = docs.find((d) => d.kind === "CronJob")!;
    expect(cron.apiVersion).toBe("batch/v1");
    expect(new Cron(cron.spec.schedule, { paused: true }).nextRun()).toBeInstanceOf(Date);
    expect(cron.spec.concurrencyPolicy).toBe("Forbid");
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const container = pod.containers[0];
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext.capabilities.drop).toEqual(["ALL"]);
    // No token as an environment variable (inherited by git and Chromium): only *_FILE paths into a
    // read-only mount of the Secret.
    expect(container.envFrom).toBeUndefined();
    const env = container.env as { name: string; value?: string; valueFrom?: unknown }[];
    expect(env.filter((e) => e.valueFrom)).toEqual([]);
    const files = env.filter((e) => e.name.endsWith("_FILE"));
    expect(files.length).toBeGreaterThanOrEqual(1);
    expect(env.filter((e) => /TOKEN|PASSWORD/.test(e.name) && !e.name.endsWith("_FILE"))).toEqual([]);
    const tokenVolume = pod.volumes.find((v: { secret?: unknown }) => v.secret);
    expect(tokenVolume.secret.defaultMode & 0o077 & ~0o040).toBe(0); // group-read at most, no other
    const tokenMount = container.volumeMounts.find((m: { name: string }) => m.name === tokenVolume.name);
    expect(tokenMount.readOnly).toBe(true);
    for (const f of files) expect(f.value!.startsWith(`${tokenMount.mountPath}/`), f.name).toBe(true);
    // Image by digest; the placeholder is said to be one.
    expect(container.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    if (/@sha256:0{64}$/.test(container.image)) expect(text).toMatch(/PLACEHOLDER digest/);
    const mounts = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    expect(mounts).toContain("/data");
    expect(container.args.join(" ")).toMatch(/--warehouse \/data\//);
    const claim = pod.volumes.find((v: { name: string }) => v.name === "data").persistentVolumeClaim.claimName;
    expect(docs.some((d) => d.kind === "PersistentVolumeClaim" && d.metadata.name === claim)).toBe(true);
    // The NetworkPolicy selects the job's pods, admits nothing in, and lets out only DNS and HTTPS
    // to addresses outside the private ranges and the metadata service.
    const policy = docs.find((d) => d.kind === "NetworkPolicy")!;
    expect(policy.spec.podSelector.matchLabels).toEqual(cron.spec.jobTemplate.spec.template.metadata.labels);
    expect(policy.spec.policyTypes).toEqual(expect.arrayContaining(["Ingress", "Egress"]));
    expect(policy.spec.ingress ?? []).toEqual([]);
    const ports = (policy.spec.egress as { ports: { port: number }[] }[]).flatMap((r) => r.ports.map((p) => p.port));
    expect([...new Set(ports)].sort()).toEqual([443, 53]);
    const blocks = (policy.spec.egress as { to: { ipBlock?: { cidr: string; except?: string[] } }[] }[]).flatMap((r) => r.to.map((t) => t.ipBlock).filter(Boolean));
    for (const b of blocks) expect(b!.except).toEqual(expect.arrayContaining(["169.254.0.0/16", "10.0.0.0/8"]));
  });

  it("GitHub Actions: scheduled, never for pull requests, actions pinned by SHA, encrypted warehouse cache, dora by path", () => {
    const text = read("github-actions/dora-nightly.yml");
    const wf = parse(text);
    expect(new Cron(wf.on.schedule[0].cron, { paused: true }).nextRun()).toBeInstanceOf(Date);
    expect(Object.keys(wf.on).filter((e) => e.startsWith("pull_request"))).toEqual([]);
    expect(wf.concurrency.group).toBeTruthy();
    expect(wf.permissions).toEqual({ contents: "read" });
    const job = wf.jobs.run;
    expect(job.if).toMatch(/github\.event_name != 'pull_request'/);
    const steps = job.steps as { uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> }[];
    // Every action by a full commit SHA, with the tag it stands for in a comment.
    const usesLines = text.split("\n").filter((l) => /^\s*-?\s*uses:/.test(l));
    expect(usesLines.length).toBe(steps.filter((s) => s.uses).length);
    for (const l of usesLines) expect(l, l).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    // The warehouse is cached only encrypted, with a secret that fork pull requests do not get.
    const caches = steps.filter((s) => s.uses?.startsWith("actions/cache"));
    expect(caches.map((s) => s.uses!.split("@")[0])).toEqual(["actions/cache/restore", "actions/cache/save"]);
    for (const c of caches) expect(String(c.with!.path)).toMatch(/\.enc$/);
    const encrypt = steps.find((s) => s.run?.includes("openssl enc -aes-256") && !s.run.includes(" -d "))!;
    expect(encrypt.env?.DORA_CACHE_PASSPHRASE).toMatch(/^\$\{\{ secrets\.\w+ \}\}$/);
    expect(encrypt.run).toMatch(/-pbkdf2/);
    expect(steps.findIndex((s) => s === encrypt)).toBeLessThan(steps.findIndex((s) => s.uses?.startsWith("actions/cache/save")));
    const install = steps.find((s) => s.run?.startsWith("npm ci"))!;
    expect(install.run).toMatch(/--ignore-scripts/);
    const run = steps.find((s) => s.run?.includes(" run --config"))!;
    expect(run.run).toMatch(/^node bin\/dora\.js run /);
    for (const value of Object.values(run.env ?? {})) expect(value).toMatch(/^(\$\{\{ secrets\.\w+ \}\}|true)$/);
    expect(text).toMatch(/readable by anyone with read access/);
  });

  it("Dockerfile: production dependencies without install scripts, non-root, bin/dora.js by path", () => {
    const text = read("Dockerfile");
    expect(text).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(text).toMatch(/^USER 10001:10001$/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/dora\.js"\]$/m);
  });
});

describe("the image's contents", () => {
  it(".dockerignore keeps secrets, data and development files out, and every runtime file in", () => {
    for (const path of [
      ".git/config",
      "node_modules/zod/package.json",
      "dora.config.yaml",
      "local.config.yaml",
      "data/warehouse.duckdb",
      "warehouse/scratch.duckdb",
      "cli/local.duckdb.wal",
      "demo/warehouse.duckdb",
      "report/index.html",
      "export/core/deployments.csv",
      "github.token",
      "secrets/github.token",
      "collectors/.env",
      ".env",
      "prod.env",
      "test/unit/deploy.test.ts",
      "bench/RESULTS.md",
      "deploy/Dockerfile",
      "notebooks/dist/index.html",
      "docs/warehouse.md",
    ]) {
      expect(inContext(path), path).toBe(false);
    }
    for (const path of ["bin/dora.js", "cli/main.ts", "warehouse/migrations/001_init.sql", "transforms/run.ts", "reports/pdf.ts", "package.json", "package-lock.json", "dora.config.example.yaml"]) {
      expect(inContext(path), path).toBe(true);
    }
    // Every source file a runtime folder holds is sent (nothing the CLI imports is left out).
    const tracked = spawnSync("git", ["ls-files", "bin", "cli", "collectors", "reports", "schemas", "transforms", "warehouse"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    expect(tracked.length).toBeGreaterThan(100);
    expect(tracked.filter((f) => !inContext(f))).toEqual([]);
  });

  it("every package the runtime imports is a production dependency (playwright-core included)", () => {
    const prod = new Set(productionPackages().map((d) => d.replace(/^node_modules\//, "")));
    expect(prod.has("playwright-core")).toBe(true);
    const imported = new Set<string>();
    for (const file of contextFiles().filter((f) => /\.(ts|js)$/.test(f))) {
      // Static imports and re-exports (not `import type`: erased before run time), dynamic imports.
      const text = readFileSync(file, "utf8");
      const specs = [
        ...[...text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^;"']*?\sfrom\s+)?["']([^"']+)["']/gm)].filter((m) => !m[1]).map((m) => m[2]!),
        ...[...text.matchAll(/\bimport\s*\(\s*["']([^"']+)["']/g)].map((m) => m[1]!),
      ];
      for (const spec of specs) {
        if (spec.startsWith(".")) continue;
        if (spec.startsWith("node:")) continue;
        imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
      }
    }
    for (const pkg of ["playwright-core", "@duckdb/node-api", "zod", "commander"]) expect(imported.has(pkg), pkg).toBe(true);
    expect([...imported].filter((p) => !prod.has(p)).sort()).toEqual([]);
  });

  it.skipIf(!findChromium())(
    "the image's files with only production dependencies run `dora demo` and print a PDF",
    { timeout: 300_000 },
    async () => {
      await withTempDir(async (dir) => {
        // What deploy/Dockerfile assembles: `npm ci --omit=dev` (the production set, copied from
        // this install, so no network) and `COPY . .` filtered by .dockerignore.
        const app = join(dir, "app");
        for (const file of contextFiles()) {
          mkdirSync(dirname(join(app, file)), { recursive: true });
          cpSync(file, join(app, file));
        }
        for (const pkg of productionPackages()) cpSync(pkg, join(app, pkg), { recursive: true, verbatimSymlinks: true });
        expect(existsSync(join(app, "node_modules", "vitest"))).toBe(false);
        const r = spawnSync(process.execPath, [join(app, "bin", "dora.js"), "demo", "--services", "1", "--months", "2", "--out", join(dir, "out"), "--quiet"], {
          cwd: dir,
          encoding: "utf8",
          env: { PATH: process.env.PATH, HOME: dir, TZ: "UTC", CI: "true", CHROMIUM_PATH: findChromium() },
        });
        expect(r.status, r.stderr).toBe(0);
        const pdf = readdirSync(join(dir, "out"), { recursive: true }).map(String).find((f) => f.endsWith(".pdf"));
        expect(pdf, readdirSync(join(dir, "out"), { recursive: true }).join(", ")).toBeDefined();
        const bytes = readFileSync(join(dir, "out", pdf!));
        expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
        expect(bytes.length).toBeGreaterThan(10_000);
      });
    },
  );
});
