import { render } from "preact"
import { useEffect, useState } from "preact/hooks"
import { api, session } from "./api.ts"
import { AlertsPage } from "./pages/alerts.tsx"
import { LoginPage } from "./pages/login.tsx"
import { PatternsPage } from "./pages/patterns.tsx"
import { RuleForm } from "./pages/rule-form.tsx"
import { SearchPage } from "./pages/search.tsx"
import { ServicePage, ServicesPage } from "./pages/services.tsx"
import { TailPage } from "./pages/tail.tsx"
import { href, type Route, useRoute } from "./route.ts"
import type { User } from "./types.ts"

/** The console's shell: login when there is no session, else the navigation and one page. */

const NAV = [
  { path: "search", label: "Search" },
  { path: "patterns", label: "Patterns" },
  { path: "tail", label: "Live tail" },
  { path: "services", label: "Services" },
  { path: "alerts", label: "Alerts" }
] as const

const Page = ({ route }: { route: Route }) => {
  const [section = "search", second, third] = route.path
  switch (section) {
    case "tail":
      return <TailPage />
    case "patterns":
      return <PatternsPage route={route} />
    case "services":
      return second ? <ServicePage name={second} /> : <ServicesPage />
    case "alerts":
      if (second === "rules" && third) return <RuleForm id={third === "new" ? undefined : third} />
      return <AlertsPage />
    default:
      return <SearchPage route={route} />
  }
}

const useSession = () => {
  const [token, setToken] = useState(session.token())
  useEffect(() => session.subscribe(() => setToken(session.token())), [])
  return token
}

const App = () => {
  const token = useSession()
  const route = useRoute()
  const [user, setUser] = useState<User | undefined>()
  useEffect(() => {
    setUser(undefined)
    if (token) api<User>("/api/v1/auth/me").then(setUser, () => undefined)
  }, [token])

  if (!token) return <LoginPage />
  const section = route.path[0] ?? "search"
  return (
    <>
      <header class="top">
        <a class="brand" href={href("search")}>
          LogFlow
        </a>
        <nav aria-label="Sections">
          {NAV.map((n) => (
            <a key={n.path} href={href(n.path)} aria-current={section === n.path ? "page" : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <span class="user">{user?.username ?? ""}</span>
        <button type="button" onClick={() => session.clear()}>
          Sign out
        </button>
      </header>
      <div id="content">
        <Page key={section} route={route} />
      </div>
    </>
  )
}

render(<App />, document.getElementById("app")!)
