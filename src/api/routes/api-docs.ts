import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { openapi } from "@elysiajs/openapi"
import { Elysia } from "elysia"
import { NotFound } from "../../domain/errors.ts"
import { VERSION } from "../../version.ts"
import { errors } from "../plugins/errors.ts"

/**
 * The API reference at `/docs` (Swagger UI) and its OpenAPI document at `/docs/json`. Swagger UI
 * comes from the `swagger-ui-dist` package pinned in the lockfile and is served by LogFlow
 * itself under `/docs/assets/`, so the page works without internet and loads no third-party
 * script. Its validator badge, which would call an outside service, is off.
 */

const SWAGGER_UI = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"))
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8"
}
/** Read once: two files, about 1.5 MB together, served from memory with a long cache life. */
const assets = new Map(Object.entries(ASSETS).map(([name, type]) => [name, { type, body: readFileSync(join(SWAGGER_UI, name)) }]))
const ASSET_VERSION = (JSON.parse(readFileSync(join(SWAGGER_UI, "package.json"), "utf8")) as { version: string }).version

type Operation = { responses?: unknown; description?: string }
type OpenApiDocument = { paths?: Record<string, Record<string, Operation>> }

/**
 * Elysia lists a WebSocket route under the method `ws`, which OpenAPI does not have and Swagger
 * UI would not show; it is the GET that asks for the upgrade, so it is listed as that.
 */
const webSocketAsGet = (operations: Record<string, Operation>) => {
  const ws = operations.ws
  if (!ws || operations.get) return
  delete operations.ws
  operations.get = { ...ws, description: `A WebSocket: a GET with \`Upgrade: websocket\`. ${ws.description ?? ""}`.trim() }
}

/**
 * Routes without a declared response schema get a `default` response: OpenAPI 3.1 allows none,
 * but Swagger UI shows the server's answer to "Try it out" only under an operation's responses.
 */
const forSwaggerUi = (document: OpenApiDocument) => {
  for (const operations of Object.values(document.paths ?? {})) {
    webSocketAsGet(operations)
    for (const operation of Object.values(operations))
      operation.responses ??= { default: { description: "The server's answer (JSON unless the summary says otherwise)" } }
  }
  return document
}

export const apiDocs = () =>
  new Elysia({ name: "routes/api-docs" })
    .use(errors)
    // Before the plugin, and local: it sees the documents of the docs routes only.
    .onAfterHandle(({ path, response }) => (path === "/docs/json" ? forSwaggerUi(response as OpenApiDocument) : undefined))
    .use(
      openapi({
        path: "/docs",
        provider: "swagger-ui",
        swagger: {
          // Absolute, so that /docs/ finds it too.
          url: "/docs/json",
          // The versioned names make a new Swagger UI a new URL, so the long cache life is safe.
          theme: `/docs/assets/${ASSET_VERSION}/swagger-ui.css`,
          cdn: `/docs/assets/${ASSET_VERSION}/swagger-ui-bundle.js`,
          autoDarkMode: false,
          validatorUrl: null,
          persistAuthorization: true
        } as Record<string, unknown>,
        documentation: {
          info: { title: "LogFlow", version: VERSION, description: "Log aggregation and analysis: ingest, search, metrics, alerts." },
          tags: [
            { name: "logs", description: "Ingest and search" },
            { name: "auth", description: "Accounts, tokens and API keys" },
            { name: "metrics", description: "Analytics from live rollups" },
            { name: "alerts", description: "Alert rules, triggered alerts and their notifications" },
            { name: "cache", description: "Response cache" },
            { name: "rate limits", description: "Per-client request limits" },
            { name: "trace", description: "Request ids, correlation and trace context" },
            { name: "admin", description: "Run-time settings" },
            { name: "system", description: "Health and discovery" }
          ],
          components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" }, apiKey: { type: "apiKey", in: "header", name: "X-API-Key" } } },
          // Either credential, for every operation: without this Swagger UI's "Authorize" would keep the
          // token and "Try it out" would send it nowhere. Public routes ignore a credential they don't need.
          security: [{ bearer: [] }, { apiKey: [] }]
        }
      })
    )
    .get(
      "/docs/assets/:version/:file",
      ({ params }) => {
        const asset = params.version === ASSET_VERSION ? assets.get(params.file) : undefined
        if (!asset) throw new NotFound({ what: `API docs file ${params.file}` })
        return new Response(asset.body, { headers: { "content-type": asset.type, "cache-control": "public, max-age=31536000, immutable" } })
      },
      { detail: { hide: true } }
    )
