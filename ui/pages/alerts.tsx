import { useEffect, useState } from "preact/hooks"
import { api, errorText, isAbort, qs } from "../api.ts"
import { type AlertStatus, CONDITIONS, type Rule, type TriggeredAlert, type TriggeredPage } from "../alert-types.ts"
import { formatNumber, formatTime } from "../format.ts"
import { href } from "../route.ts"
import { ruleQuery } from "../rule-query.ts"

/**
 * Alerts: triggered alerts (firing first; acknowledge or resolve each) and the rules that fire
 * them (list, enable/disable, delete; create and edit on their own page, see rule-form.tsx).
 * Both lists reload every 10 s (and on Refresh) so that a newly firing alert shows up by itself.
 * An alert's "Logs" link searches its rule's services, levels and query over the alert's time.
 */

const REFRESH_MS = 10_000
const FILTERS: ReadonlyArray<{ readonly value: AlertStatus | ""; readonly label: string }> = [
  { value: "firing", label: "Firing" },
  { value: "acknowledged", label: "Acknowledged" },
  { value: "resolved", label: "Resolved" },
  { value: "", label: "All" }
]

export const describeCondition = (r: Pick<Rule, "condition" | "threshold" | "time_window">) =>
  `count ${CONDITIONS[r.condition] ?? r.condition} ${formatNumber(r.threshold)} in ${r.time_window} min`

/** Who acknowledged or resolved the alert, and how it was resolved. */
const handled = (a: TriggeredAlert) =>
  a.status === "resolved"
    ? `${a.resolution ?? "resolved"}${a.resolved_by ? ` (${a.resolved_by})` : ""}`
    : a.status === "acknowledged"
      ? `acknowledged by ${a.acknowledged_by ?? "?"}`
      : ""

interface Refreshing {
  /** Changes whenever both lists should load again (every REFRESH_MS, or on demand). */
  readonly tick: number
  readonly refresh: () => void
}

/** The records an alert counted: its rule's search (when the rule still exists) over the windows it fired in. */
const alertLogs = (a: TriggeredAlert, rule: Rule | undefined) =>
  href("search", {
    query: rule ? ruleQuery(rule) : undefined,
    from: String(Date.parse(a.first_seen_at) - a.time_window * 60_000),
    to: String(Date.parse(a.last_seen_at) + 1000)
  })

const Triggered = ({ tick, refresh, rules }: Refreshing & { rules: ReadonlyArray<Rule> | undefined }) => {
  const [status, setStatus] = useState<AlertStatus | "">("firing")
  const [page, setPage] = useState<TriggeredPage | undefined>()
  const [error, setError] = useState<string | undefined>()

  useEffect(() => {
    const controller = new AbortController()
    api<TriggeredPage>(`/api/v1/alerts/triggered${qs({ status, limit: 100 })}`, { signal: controller.signal }).then(
      (p) => {
        setPage(p)
        setError(undefined)
      },
      (e) => isAbort(e) || setError(errorText(e))
    )
    return () => controller.abort()
  }, [status, tick])

  const act = async (alert: TriggeredAlert, action: "acknowledge" | "resolve") => {
    try {
      await api(`/api/v1/alerts/triggered/${encodeURIComponent(alert.id)}/${action}`, { method: "POST" })
      refresh()
    } catch (e) {
      setError(errorText(e))
    }
  }

  return (
    <section aria-labelledby="triggered-title">
      <div class="section-head">
        <h2 id="triggered-title">Triggered alerts</h2>
        <fieldset aria-label="Show alerts" class="segmented">
          {FILTERS.map((f) => (
            <button key={f.label} type="button" aria-pressed={status === f.value} onClick={() => setStatus(f.value)}>
              {f.label}
            </button>
          ))}
          <button type="button" onClick={refresh}>
            Refresh
          </button>
        </fieldset>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {page && page.alerts.length === 0 && <p class="empty">No {status || ""} alerts.</p>}
      {page && page.alerts.length > 0 && (
        <table class="alerts">
          <thead>
            <tr>
              <th>Rule</th>
              <th>Status</th>
              <th class="num">Value</th>
              <th>Condition</th>
              <th>Triggered</th>
              <th>Last seen</th>
              <th>Handled</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {page.alerts.map((a) => (
              <tr key={a.id} data-alert-id={a.id}>
                <td>{a.rule_name}</td>
                <td>
                  <span class={`alert-status status-${a.status}`}>{a.status}</span>
                </td>
                <td class="num">{formatNumber(a.value, 2)}</td>
                <td>{describeCondition(a)}</td>
                <td class="col-time">{formatTime(a.triggered_at)}</td>
                <td class="col-time">{formatTime(a.last_seen_at)}</td>
                <td>{handled(a)}</td>
                <td class="actions">
                  {a.status === "firing" && (
                    <button type="button" onClick={() => act(a, "acknowledge")}>
                      Acknowledge
                    </button>
                  )}
                  {a.status !== "resolved" && (
                    <button type="button" onClick={() => act(a, "resolve")}>
                      Resolve
                    </button>
                  )}
                  <a
                    href={alertLogs(
                      a,
                      rules?.find((r) => r.id === a.rule_id)
                    )}
                    title="The logs the rule counted in the alert's windows"
                  >
                    Logs
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

const snoozed = (r: Rule) => r.snoozed_until !== null && Date.parse(r.snoozed_until) > Date.now()

const Rules = ({ refresh, rules, loadError }: Pick<Refreshing, "refresh"> & { rules: ReadonlyArray<Rule> | undefined; loadError: string | undefined }) => {
  const [updateError, setError] = useState<string | undefined>()
  const error = updateError ?? loadError

  const update = async (rule: Rule, change: Partial<Rule> | "delete" | "snooze" | "unsnooze") => {
    const path = `/api/v1/alerts/rules/${encodeURIComponent(rule.id)}`
    try {
      if (change === "delete") {
        if (!confirm(`Delete the rule "${rule.name}"?`)) return
        await api(path, { method: "DELETE" })
      } else if (change === "snooze") await api(`${path}/snooze`, { method: "POST", body: { minutes: 60 } })
      else if (change === "unsnooze") await api(`${path}/snooze`, { method: "DELETE" })
      else await api(path, { method: "PUT", body: change })
      refresh()
    } catch (e) {
      setError(errorText(e))
    }
  }

  return (
    <section aria-labelledby="rules-title">
      <div class="section-head">
        <h2 id="rules-title">Rules</h2>
        <a class="button primary" href={href("alerts/rules/new")}>
          New rule
        </a>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {rules && rules.length === 0 && <p class="empty">No rules yet.</p>}
      {rules && rules.length > 0 && (
        <table class="rules">
          <thead>
            <tr>
              <th>Name</th>
              <th>Condition</th>
              <th>Levels</th>
              <th>Services</th>
              <th>Query</th>
              <th>Notify</th>
              <th>Active</th>
              <th>Last triggered</th>
              <th class="num">Fired</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id} data-rule-id={r.id}>
                <td>
                  <a href={href(`alerts/rules/${encodeURIComponent(r.id)}`)}>{r.name}</a>
                  {r.is_flapping && (
                    <span class="badge warn" title="State changes often">
                      flapping
                    </span>
                  )}
                  {r.state === "error" && (
                    <span class="badge error" data-rule-state="error" title={`${r.evaluation_error ?? ""} Edit the rule to evaluate it again.`}>
                      error
                    </span>
                  )}
                </td>
                <td>{describeCondition(r)}</td>
                <td>{r.levels.join(", ") || "any"}</td>
                <td>{r.services.join(", ") || "any"}</td>
                <td>
                  <code>{r.query ?? ""}</code>
                </td>
                <td>{r.notification_channel}</td>
                <td>{r.is_active ? (snoozed(r) ? `snoozed until ${formatTime(r.snoozed_until!)}` : "yes") : "no"}</td>
                <td class="col-time">{r.last_triggered_at ? formatTime(r.last_triggered_at) : "never"}</td>
                <td class="num">{formatNumber(r.trigger_count)}</td>
                <td class="actions">
                  <a href={href(`alerts/rules/${encodeURIComponent(r.id)}`)}>Edit</a>
                  <button type="button" onClick={() => update(r, { is_active: !r.is_active })}>
                    {r.is_active ? "Disable" : "Enable"}
                  </button>
                  {snoozed(r) ? (
                    <button type="button" onClick={() => update(r, "unsnooze")}>
                      Unsnooze
                    </button>
                  ) : (
                    <button type="button" onClick={() => update(r, "snooze")} title="Keep recording alerts, notify nobody for an hour">
                      Snooze 1 h
                    </button>
                  )}
                  <button type="button" class="danger" onClick={() => update(r, "delete")}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

export const AlertsPage = () => {
  const [tick, setTick] = useState(0)
  useEffect(() => {
    const timer = setTimeout(() => setTick(tick + 1), REFRESH_MS)
    return () => clearTimeout(timer)
  }, [tick])
  const refresh = () => setTick((t) => t + 1)
  // Loaded here: the rules list shows them, and each triggered alert links to its rule's search.
  const [rules, setRules] = useState<ReadonlyArray<Rule> | undefined>()
  const [rulesError, setRulesError] = useState<string | undefined>()
  useEffect(() => {
    const controller = new AbortController()
    api<ReadonlyArray<Rule>>(`/api/v1/alerts/rules${qs({ limit: 100 })}`, { signal: controller.signal }).then(
      (r) => {
        setRules(r)
        setRulesError(undefined)
      },
      (e) => isAbort(e) || setRulesError(errorText(e))
    )
    return () => controller.abort()
  }, [tick])
  return (
    <main class="alerts-page">
      <h1>Alerts</h1>
      <Triggered tick={tick} refresh={refresh} rules={rules} />
      <Rules refresh={refresh} rules={rules} loadError={rulesError} />
    </main>
  )
}
