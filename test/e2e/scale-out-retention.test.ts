import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { isolatedScaleOut, useEngine } from "../support/engines.ts"
import { createTestDatabase, postgresAvailable } from "../support/postgres.ts"
import { disposeServer, json, startServer, type ServerProcess } from "../support/server-process.ts"

// bun applies the preload's default timeout to the first test file only: engines need it here too.
setDefaultTimeout(60_000)

/**
 * One retention runner in scale-out: two worker processes and an alerting process on Kafka,
 * Elasticsearch and PostgreSQL. Each would run retention on its own; the holder of the
 * retention lease is the only one that does, once per interval, and when it is killed another
 * takes the lease over and carries on. A settings change made through a standby is run by the
 * holder at once.
 */

const INTERVAL_MS = 2_000
const LEASE_MS = 3_000

const tag = Math.random().toString(36).slice(2, 8)
const deployment = isolatedScaleOut(`ret-${tag}`)
const changeDeployment = isolatedScaleOut(`retc-${tag}`)

const kafka = await useEngine("kafka")
const elasticsearch = await useEngine("elasticsearch", async (hosts) => {
  await deployment.dropIndex(hosts)
  await changeDeployment.dropIndex(hosts)
})
const ready = kafka !== undefined && elasticsearch !== undefined && (await postgresAvailable())

interface Retention {
  readonly mode: string
  readonly this_process: string
  readonly leader: boolean
  readonly lease?: { readonly holder: string }
  readonly last_run?: { readonly by: string }
}

const retentionOf = async (p: ServerProcess): Promise<Retention> => (await json(fetch(`${p.url}/health`))).details.retention
const runsOf = async (p: ServerProcess) => Number(/^retention_runs_total (\d+)$/m.exec(await (await fetch(`${p.url}/metrics`)).text())?.[1])
const allRuns = (ps: ReadonlyArray<ServerProcess>) => Promise.all(ps.map(runsOf))

const waitFor = async <A>(what: string, get: () => Promise<A>, done: (a: A) => boolean, timeoutMs = 30_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await get()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(value)}`)
    await Bun.sleep(100)
  }
}

/** Waits until one of `ps` holds the lease and every one of them names it; returns it. */
const agreedHolder = async (ps: ReadonlyArray<ServerProcess>) => {
  const views = await waitFor(
    "one retention lease holder every process names",
    () => Promise.all(ps.map(retentionOf)),
    (vs) => vs.filter((v) => v.leader).length === 1 && vs.every((v) => v.lease?.holder === vs.find((l) => l.leader)!.this_process)
  )
  const index = views.findIndex((v) => v.leader)
  return { holder: ps[index]!, id: views[index]!.this_process, others: ps.filter((_, i) => i !== index) }
}

/**
 * Waits until the processes together ran `passes` more passes; checks that only `holder` ran
 * them and that they took as many intervals (± the one in flight at each end).
 */
const expectOnePassPerInterval = async (ps: ReadonlyArray<ServerProcess>, holder: ServerProcess, passes: number) => {
  const before = await allRuns(ps)
  const started = Date.now()
  const after = await waitFor(
    `${passes} more retention passes`,
    () => allRuns(ps),
    (runs) => runs.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0) >= passes
  )
  const elapsed = Date.now() - started
  const grew = ps.map((p, i) => ({ holder: p === holder, passes: after[i]! - before[i]! }))
  expect(grew.filter((g) => !g.holder && g.passes > 0)).toEqual([])
  expect(elapsed).toBeGreaterThanOrEqual((passes - 1) * INTERVAL_MS)
  expect(elapsed).toBeLessThanOrEqual((passes + 1) * INTERVAL_MS)
}

describe.skipIf(!ready)("scale-out: one retention runner among two workers and an alerting process", () => {
  let dropDatabase = async () => {}
  const processes: ServerProcess[] = []

  beforeAll(async () => {
    const db = await createTestDatabase()
    dropDatabase = db.drop
    const env = {
      ...deployment.env({ kafka: kafka!, elasticsearch: elasticsearch!, databaseUrl: db.url }),
      RETENTION_INTERVAL_MS: String(INTERVAL_MS),
      RETENTION_LEASE_MS: String(LEASE_MS)
    }
    processes.push(await startServer({ role: "worker", env }), await startServer({ role: "worker", env }), await startServer({ role: "alerting", env }))
  })

  afterAll(async () => {
    for (const p of processes) await disposeServer(p)
    await dropDatabase()
  })

  test("only the lease holder runs retention, once per interval, and /health names it", async () => {
    const { holder, id } = await agreedHolder(processes)
    expect((await retentionOf(holder)).mode).toBe("lease")
    await expectOnePassPerInterval(processes, holder, 4)
    for (const p of processes) expect((await retentionOf(p)).last_run?.by).toBe(id)
  })

  test("when the holder is killed, another process takes the lease over and runs retention once per interval", async () => {
    const old = await agreedHolder(processes)
    old.holder.process.kill(9)
    await old.holder.exited
    const survivors = old.others
    const next = await agreedHolder(survivors)
    expect(next.id).not.toBe(old.id)
    await waitFor(
      "a pass by the new holder",
      () => retentionOf(next.holder),
      (r) => r.last_run?.by === next.id
    )
    await expectOnePassPerInterval(survivors, next.holder, 3)
  })
})

describe.skipIf(!ready)("scale-out: a retention change through any process", () => {
  let dropDatabase = async () => {}
  const processes: ServerProcess[] = []

  beforeAll(async () => {
    const db = await createTestDatabase()
    dropDatabase = db.drop
    const env = {
      ...changeDeployment.env({ kafka: kafka!, elasticsearch: elasticsearch!, databaseUrl: db.url }),
      ADMIN_PASSWORD: "admin-password-1",
      // Longer than the test: only a pass asked for can delete anything.
      RETENTION_INTERVAL_MS: "600000",
      RETENTION_LEASE_MS: String(LEASE_MS)
    }
    processes.push(await startServer({ role: "worker", env }), await startServer({ role: "alerting", env }))
  })

  afterAll(async () => {
    for (const p of processes) await disposeServer(p)
    await dropDatabase()
  })

  test("is applied at once by the lease holder, though another process took it", async () => {
    const { holder, others } = await agreedHolder(processes)
    await waitFor(
      "the holder's first pass",
      () => retentionOf(holder),
      (r) => r.last_run !== undefined
    )
    const standby = others[0]!
    const sixDaysAgo = new Date(Date.now() - 6 * 86_400_000).toISOString()
    const ingest = await fetch(`${standby.url}/api/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ service: `svc-${tag}`, message: "six days old", timestamp: sixDaysAgo })
    })
    expect(ingest.status).toBe(200)
    const found = async () => (await json(fetch(`${holder.url}/api/v1/logs/search?service=svc-${tag}&from=now-8d`))).total
    await waitFor("the record stored (kept: 7 days by default)", found, (n) => n === 1)

    const login = await json(
      fetch(`${standby.url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "admin-password-1" }) })
    )
    const put = await fetch(`${standby.url}/api/v1/admin/config`, {
      method: "PUT",
      headers: { authorization: `Bearer ${login.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({ retention_days: 5 })
    })
    expect(put.status).toBe(200)
    await waitFor("the record expired by the holder's pass", found, (n) => n === 0)
    expect(await runsOf(standby)).toBe(0)
  })
})
