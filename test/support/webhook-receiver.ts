/**
 * A real HTTP server on loopback that records what is POSTed to it, for notification tests.
 * Each path can be told which statuses to answer in turn (then 200), or to hang.
 */
export interface Delivery {
  readonly path: string
  readonly headers: Headers
  readonly body: string
  readonly json: any
  readonly at: number
}

export interface WebhookReceiver {
  readonly url: string
  readonly received: (path: string) => ReadonlyArray<Delivery>
  /** The next requests to `path` get these statuses, in order. */
  readonly failNext: (path: string, statuses: ReadonlyArray<number>) => void
  /** Requests to `path` get no answer until the server stops. */
  readonly hang: (path: string) => void
  readonly stop: () => void
}

export const startWebhookReceiver = (): WebhookReceiver => {
  const deliveries: Delivery[] = []
  const scripted = new Map<string, number[]>()
  const hanging = new Set<string>()
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname
      const body = await request.text()
      let json: unknown
      try {
        json = JSON.parse(body)
      } catch {
        json = undefined
      }
      deliveries.push({ path, headers: request.headers, body, json, at: Date.now() })
      if (hanging.has(path)) return new Promise<Response>(() => {})
      const status = scripted.get(path)?.shift() ?? 200
      return new Response(status < 300 ? "ok" : "failing", { status })
    }
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    received: (path) => deliveries.filter((d) => d.path === path),
    failNext: (path, statuses) => void scripted.set(path, [...statuses]),
    hang: (path) => void hanging.add(path),
    stop: () => void server.stop(true)
  }
}
