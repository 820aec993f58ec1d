import { expect, test } from "bun:test"
import { plantLongRuns, wholeRowQuery, wildcardQuery } from "../support/costly-queries.ts"
import { counterValue, eventually } from "../support/ingest.ts"
import { json, useServer } from "../support/server-process.ts"

/**
 * The query budget end to end: a search past SEARCH_TIMEOUT_MS answers 503 naming it, and an
 * alert rule whose evaluation runs past it is put in state `error` with the reason, counted,
 * and not evaluated again until it is edited. Query limits are checked when a rule is saved.
 */

const server = useServer(() => ({
  env: {
    ADMIN_PASSWORD: "admin-password-1",
    // The least budget there is, and room for the attack's 200 wildcard terms.
    SEARCH_TIMEOUT_MS: "10",
    SEARCH_MAX_WILDCARDS: "256",
    SEARCH_MAX_TERMS: "250",
    ALERT_SYNC_INTERVAL_MS: "500"
  }
}))

const headers = async () => {
  const body = await json(
    fetch(`${server().url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "admin-password-1" }) })
  )
  return { authorization: `Bearer ${body.access_token}`, "content-type": "application/json" }
}
const api = (path: string, init: RequestInit = {}) => fetch(`${server().url}/api/v1${path}`, init)
const rule = (name: string, query: string | null, services: string[] = []) => ({
  name,
  condition: "greater_than",
  threshold: 1_000_000,
  time_window: 60,
  query,
  services,
  evaluation_interval: 1,
  notification_channel: "console"
})

test("a search past SEARCH_TIMEOUT_MS stops and answers 503 naming the budget", async () => {
  await plantLongRuns(server().url, "budget", 8, 1_000)
  const response = await api(`/logs/search?${new URLSearchParams({ query: wholeRowQuery(), limit: "1000" })}`)
  const body = await json(response)
  expect([response.status, body.error]).toEqual([503, "query_timeout"])
  expect(body.message).toContain("SEARCH_TIMEOUT_MS")
  // A cheap search of the same store still answers.
  expect((await api("/logs/search?service=budget-0&limit=5")).status).toBe(200)
}, 60_000)

test("an alert rule past its budget is marked error with the reason, counted, and left alone until edited", async () => {
  const auth = await headers()
  const costly = await json(api("/alerts/rules", { method: "POST", headers: auth, body: JSON.stringify(rule("costly", wholeRowQuery())) }))
  const control = await json(api("/alerts/rules", { method: "POST", headers: auth, body: JSON.stringify(rule("control", null, ["quiet"])) }))
  expect(costly.state).toBe("ok")
  const stopped = await eventually(
    () => json(api(`/alerts/rules/${costly.id}`, { headers: auth })),
    (r) => r.state === "error"
  )
  expect(stopped.evaluation_error).toContain("SEARCH_TIMEOUT_MS")
  const exceeded = await counterValue(server().url, "alert_evaluations_total", { result: "budget_exceeded" })
  expect(exceeded).toBe(1)

  // While the control rule is evaluated three more times, the stopped one is not evaluated again.
  const ok = await counterValue(server().url, "alert_evaluations_total", { result: "ok" })
  await eventually(
    () => counterValue(server().url, "alert_evaluations_total", { result: "ok" }),
    (n) => n >= ok + 3
  )
  expect(await counterValue(server().url, "alert_evaluations_total", { result: "budget_exceeded" })).toBe(1)
  const still = await json(api(`/alerts/rules/${costly.id}`, { headers: auth }))
  expect([still.state, still.evaluation_error_at, still.last_evaluated_at]).toEqual(["error", stopped.evaluation_error_at, stopped.last_evaluated_at])
  expect((await json(api(`/alerts/rules/${control.id}`, { headers: auth }))).state).toBe("ok")

  // An edit sets it back to ok, and it runs (and is stopped) once more.
  const edited = await json(api(`/alerts/rules/${costly.id}`, { method: "PUT", headers: auth, body: JSON.stringify({ threshold: 999_999 }) }))
  expect([edited.state, edited.evaluation_error]).toEqual(["ok", null])
  const again = await eventually(
    () => counterValue(server().url, "alert_evaluations_total", { result: "budget_exceeded" }),
    (n) => n >= 2
  )
  expect(again).toBe(2)
}, 60_000)

test("a rule's query beyond a query limit is refused when saved, naming the limit", async () => {
  const auth = await headers()
  const response = await api("/alerts/rules", { method: "POST", headers: auth, body: JSON.stringify(rule("too many", wildcardQuery(251))) })
  expect(response.status).toBe(400)
  expect((await json(response)).message).toContain("SEARCH_MAX_TERMS")
})
