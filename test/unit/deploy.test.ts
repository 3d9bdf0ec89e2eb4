import { readFileSync } from "node:fs";
import { Cron } from "croner";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";

const read = (p: string) => readFileSync(`deploy/${p}`, "utf8");

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

describe("deploy manifests", () => {
  it("crontab: a valid 5-field schedule that runs `dora run` under flock, tokens from an env file", () => {
    const line = read("cron/dora.crontab").split("\n").find((l) => l.trim() && !l.startsWith("#"))!;
    const fields = line.split(/\s+/);
    const schedule = fields.slice(0, 5).join(" ");
    expect(new Cron(schedule, { paused: true }).nextRun()).toBeInstanceOf(Date);
    expect(fields[5]).toBe("dora"); // /etc/cron.d format names the user
    expect(line).toMatch(/flock -n .* npx dora run/);
    expect(line).not.toMatch(/TOKEN=/);
  });

  it("systemd: a oneshot service with an EnvironmentFile and a persistent daily timer", () => {
    const service = unit(read("systemd/dora.service"));
    expect(service.Service?.Type).toEqual(["oneshot"]);
    expect(service.Service?.ExecStart?.[0]).toMatch(/dora run/);
    expect(service.Service?.EnvironmentFile).toBeDefined();
    expect(service.Service?.User).toEqual(["dora"]);
    const timer = unit(read("systemd/dora.timer"));
    expect(timer.Timer?.OnCalendar?.[0]).toMatch(/^\*-\*-\* \d{2}:\d{2}:\d{2}$/);
    expect(timer.Timer?.Persistent).toEqual(["true"]);
    expect(timer.Install?.WantedBy).toEqual(["timers.target"]);
  });

  it("Kubernetes CronJob: Forbid concurrency, secrets as env from a Secret, non-root, read-only root, a data volume", () => {
    const docs = parseAllDocuments(read("kubernetes/cronjob.yaml")).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    });
    const cron = docs.find((d) => d.kind === "CronJob")!;
    expect(cron.apiVersion).toBe("batch/v1");
    expect(new Cron(cron.spec.schedule, { paused: true }).nextRun()).toBeInstanceOf(Date);
    expect(cron.spec.concurrencyPolicy).toBe("Forbid");
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const container = pod.containers[0];
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.envFrom[0].secretRef.name).toBeTruthy();
    expect(JSON.stringify(container.env ?? [])).not.toMatch(/TOKEN/);
    const mounts = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    expect(mounts).toContain("/data");
    expect(container.args.join(" ")).toMatch(/--warehouse \/data\//);
    const claim = pod.volumes.find((v: { name: string }) => v.name === "data").persistentVolumeClaim.claimName;
    expect(docs.some((d) => d.kind === "PersistentVolumeClaim" && d.metadata.name === claim)).toBe(true);
  });

  it("GitHub Actions: a scheduled workflow that runs dora with tokens from secrets and never overlaps", () => {
    const wf = parse(read("github-actions/dora-nightly.yml"));
    expect(new Cron(wf.on.schedule[0].cron, { paused: true }).nextRun()).toBeInstanceOf(Date);
    expect(wf.concurrency.group).toBeTruthy();
    const steps = wf.jobs.run.steps as { run?: string; env?: Record<string, string> }[];
    const run = steps.find((s) => s.run?.includes("dora run"))!;
    for (const value of Object.values(run.env ?? {})) expect(value).toMatch(/^(\$\{\{ secrets\.\w+ \}\}|true)$/);
  });
});
