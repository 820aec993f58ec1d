import { expect, test } from "bun:test"
import { join } from "node:path"
import parsePrometheusTextFormat from "parse-prometheus-text-format"
import { disposeServer, startServer } from "../support/server-process.ts"
import { inCI } from "../support/ci.ts"

const ROOT = join(import.meta.dir, "../..")

test("every metric the Grafana dashboard plots is one LogFlow exports", async () => {
  const dashboard = (await Bun.file(join(ROOT, "grafana-dashboard.json")).json()) as { panels: Array<{ targets: Array<{ expr: string }> }> }
  const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\b[a-z_]+_(total|seconds|bytes|depth|size)(_bucket)?\b/g) ?? [])))
  const server = await startServer()
  try {
    const text = await (await fetch(`${server.url}/metrics`)).text()
    // A labelled counter nothing has counted yet has only its HELP and TYPE lines.
    const declared = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!)
    const families = (parsePrometheusTextFormat(text) as Array<{ name: string }>).map((f) => f.name)
    const exported = new Set([...declared, ...families].flatMap((name) => [name, `${name}_bucket`]))
    expect([...used].filter((name) => !exported.has(name))).toEqual([])
  } finally {
    await disposeServer(server)
  }
})

test("the example prometheus.yml is a valid Prometheus configuration", () => {
  const promtool = Bun.which("promtool")
  if (!promtool) {
    if (inCI()) throw new Error("promtool is required in CI")
    console.warn("skipping: promtool not installed")
    return
  }
  const check = Bun.spawnSync([promtool, "check", "config", join(ROOT, "deploy/prometheus.yml")], { stdout: "pipe", stderr: "pipe" })
  expect([check.exitCode, check.stderr.toString()]).toEqual([0, ""])
})
