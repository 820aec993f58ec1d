import { useEffect, useState } from "preact/hooks"

/**
 * Hash routes (`#/search?query=…`): the server serves one page, bookmarks and the back button
 * keep working, and a reload keeps the search.
 */

export interface Route {
  /** Path segments after `#/`, e.g. ["alerts", "rules", "new"]. */
  readonly path: ReadonlyArray<string>
  readonly params: URLSearchParams
}

const parse = (): Route => {
  const hash = location.hash.replace(/^#\/?/, "")
  const [path = "", query = ""] = hash.split("?", 2)
  return {
    path: path
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent),
    params: new URLSearchParams(query)
  }
}

export const useRoute = (): Route => {
  const [route, setRoute] = useState(parse)
  useEffect(() => {
    const update = () => setRoute(parse())
    addEventListener("hashchange", update)
    return () => removeEventListener("hashchange", update)
  }, [])
  return route
}

export const href = (path: string, params?: Record<string, string | undefined>) => {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== "") search.set(k, v)
  const text = search.toString()
  return `#/${path}${text ? `?${text}` : ""}`
}

export const navigate = (path: string, params?: Record<string, string | undefined>) => {
  location.hash = href(path, params)
}

/** Rewrites the address without a new history entry (state that a reload should keep). */
export const replaceParams = (path: string, params: Record<string, string | undefined>) => {
  history.replaceState(null, "", href(path, params))
}
