import { useEffect, useState } from "preact/hooks"
import { api, errorText, isAbort } from "../api.ts"
import { type Channel, CHANNELS, type Condition, CONDITIONS, LEVELS, type Rule } from "../alert-types.ts"
import { RulePreview } from "../components/rule-preview.tsx"
import { href, navigate } from "../route.ts"

/**
 * Create or edit an alert rule. The server validates every field and names the bad one; its
 * message is shown as is. A webhook rule's signing secret is shown once, after creation. Beside
 * the form, a preview charts the rule's count over recent windows against its threshold.
 */

interface Draft {
  name: string
  description: string
  condition: Condition
  threshold: string
  time_window: string
  levels: string[]
  services: string
  query: string
  notification_channel: Channel
  target: string
  evaluation_interval: string
  cooldown: string
  is_active: boolean
}

const EMPTY: Draft = {
  name: "",
  description: "",
  condition: "greater_than",
  threshold: "10",
  time_window: "5",
  levels: ["ERROR"],
  services: "",
  query: "",
  notification_channel: "console",
  target: "",
  evaluation_interval: "60",
  cooldown: "5",
  is_active: true
}

const fromRule = (r: Rule): Draft => ({
  name: r.name,
  description: r.description ?? "",
  condition: r.condition,
  threshold: String(r.threshold),
  time_window: String(r.time_window),
  levels: [...r.levels],
  services: r.services.join(", "),
  query: r.query ?? "",
  notification_channel: r.notification_channel,
  target: r.notification_channel === "email" ? ((r.notification_config.to as string[] | undefined) ?? []).join(", ") : String(r.notification_config.url ?? ""),
  evaluation_interval: String(r.evaluation_interval),
  cooldown: String(r.cooldown),
  is_active: r.is_active
})

const list = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")

const toBody = (d: Draft) => ({
  name: d.name.trim(),
  description: d.description.trim() || null,
  condition: d.condition,
  threshold: Number(d.threshold),
  time_window: Number(d.time_window),
  levels: d.levels,
  services: list(d.services),
  query: d.query.trim() || null,
  notification_channel: d.notification_channel,
  notification_config: d.notification_channel === "email" ? { to: list(d.target) } : d.notification_channel === "console" ? {} : { url: d.target.trim() },
  evaluation_interval: Number(d.evaluation_interval),
  cooldown: Number(d.cooldown),
  is_active: d.is_active
})

export const RuleForm = ({ id }: { id: string | undefined }) => {
  const [draft, setDraft] = useState<Draft | undefined>(id === undefined ? EMPTY : undefined)
  const [error, setError] = useState<string | undefined>()
  const [secret, setSecret] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    if (id === undefined) return
    const controller = new AbortController()
    api<Rule>(`/api/v1/alerts/rules/${encodeURIComponent(id)}`, { signal: controller.signal }).then(
      (r) => setDraft(fromRule(r)),
      (e) => isAbort(e) || setError(errorText(e))
    )
    return () => controller.abort()
  }, [id])

  if (!draft)
    return (
      <main class="rule-page">
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : (
          <p class="muted">Loading…</p>
        )}
      </main>
    )

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...draft, [key]: value })
  /** A labelled text input; `wide` ones span the whole row of their fieldset. */
  const text = (key: keyof Draft, label: string, { wide = false, ...props }: Record<string, unknown> & { wide?: boolean } = {}) => (
    <label class={wide ? "wide" : undefined}>
      {label} <input name={key} value={draft[key] as string} onInput={(e) => set(key, (e.target as HTMLInputElement).value as never)} {...props} />
    </label>
  )

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const saved =
        id === undefined
          ? await api<Rule>("/api/v1/alerts/rules", { method: "POST", body: toBody(draft) })
          : await api<Rule>(`/api/v1/alerts/rules/${encodeURIComponent(id)}`, { method: "PUT", body: toBody(draft) })
      // A new webhook rule's receiver needs the signing secret; other rules go back to the list.
      if (id === undefined && saved.notification_channel === "webhook" && saved.webhook_secret) setSecret(saved.webhook_secret)
      else navigate("alerts")
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(false)
    }
  }

  if (secret) {
    return (
      <main class="rule-page">
        <h1>Rule created</h1>
        <p>Webhook deliveries are signed with this secret: copy it into the receiver. (You and administrators can read it again from the API.)</p>
        <pre class="secret">{secret}</pre>
        <a class="button primary" href={href("alerts")}>
          Done
        </a>
      </main>
    )
  }

  return (
    <main class="rule-page">
      <p>
        <a href={href("alerts")}>← Alerts</a>
      </p>
      <h1>{id === undefined ? "New alert rule" : `Edit rule: ${draft.name}`}</h1>
      <form class="rule-form card" onSubmit={submit}>
        {text("name", "Name", { required: true, maxLength: 200, autoFocus: true })}
        {text("description", "Description")}
        <fieldset>
          <legend>Fire when the number of matching logs</legend>
          <label>
            is{" "}
            <select name="condition" value={draft.condition} onChange={(e) => set("condition", (e.target as HTMLSelectElement).value as Condition)}>
              {Object.entries(CONDITIONS).map(([value, sign]) => (
                <option key={value} value={value}>
                  {sign} ({value.replaceAll("_", " ")})
                </option>
              ))}
            </select>
          </label>
          {text("threshold", "Threshold", { type: "number", min: 0, step: "any", required: true })}
          {text("time_window", "over the last (minutes)", { type: "number", min: 1, step: 1, required: true })}
        </fieldset>
        <fieldset>
          <legend>Matching logs</legend>
          <fieldset class="checkboxes wide" aria-label="Levels">
            Levels:
            {LEVELS.map((level) => (
              <label key={level} class="inline">
                <input
                  type="checkbox"
                  name="levels"
                  value={level}
                  checked={draft.levels.includes(level)}
                  onChange={(e) => set("levels", (e.target as HTMLInputElement).checked ? [...draft.levels, level] : draft.levels.filter((l) => l !== level))}
                />
                {level}
              </label>
            ))}
          </fieldset>
          {text("services", "Services (comma-separated; empty: all)", { wide: true })}
          {text("query", "Query (the search language; optional)", { spellcheck: false, wide: true })}
        </fieldset>
        <RulePreview rule={draft} />
        <fieldset>
          <legend>Notify</legend>
          <label>
            Channel{" "}
            <select
              name="notification_channel"
              value={draft.notification_channel}
              onChange={(e) => set("notification_channel", (e.target as HTMLSelectElement).value as Channel)}
            >
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          {draft.notification_channel === "webhook" || draft.notification_channel === "slack"
            ? text("target", "URL", { type: "url", required: true, wide: true })
            : draft.notification_channel === "email"
              ? text("target", "To (comma-separated addresses)", { required: true, wide: true })
              : null}
          {text("evaluation_interval", "Evaluate every (seconds)", { type: "number", min: 1, step: 1 })}
          {text("cooldown", "Cooldown between notifications (minutes)", { type: "number", min: 0, step: 1 })}
          <label class="inline">
            <input type="checkbox" name="is_active" checked={draft.is_active} onChange={(e) => set("is_active", (e.target as HTMLInputElement).checked)} />{" "}
            Active
          </label>
        </fieldset>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>
            {id === undefined ? "Create rule" : "Save"}
          </button>
          <a href={href("alerts")}>Cancel</a>
        </div>
      </form>
    </main>
  )
}
