import { Elysia, NotFoundError } from "elysia"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { InvalidInput } from "../../domain/errors.ts"
import { bulkFieldMap, type BulkError, type BulkItem, decodeBulk, documentToRecord, MalformedBulk } from "./decode.ts"
import { type ItemResult, writeItems } from "./write.ts"
import type { LogBus } from "../../ports/log-bus.ts"
import type { LogStore } from "../../ports/log-store.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { VERSION } from "../../version.ts"
import { makeDiskGuard } from "../disk-guard.ts"
import { readText } from "../request.ts"
import { authPlugin } from "../../api/plugins/auth.ts"
import { errors, renderErrorsWith } from "../../api/plugins/errors.ts"
import { esErrorRenderer } from "../../query/es-dsl/error-body.ts"
import type { RunEffect } from "../../api/run-effect.ts"

/**
 * The slice of the Elasticsearch API that log shippers' Elasticsearch outputs use (Filebeat,
 * Vector, Fluent Bit, Logstash, syslog-ng's `elasticsearch-http()`): `_bulk` and the calls they
 * make at start-up. Served whole under ES_COMPAT_PATH (default `/es`: point the shipper at
 * `http://logflow:8000/es`), because `GET /` at the root is LogFlow's own description and must
 * stay so; `POST /_bulk` and `POST /{index}/_bulk` are also served at the root, where they
 * collide with nothing.
 *
 * Start-up probes are answered harmlessly: indices, templates, ILM policies, ingest pipelines
 * and data streams "exist" and every change to them is acknowledged and ignored, since
 * LogFlow's schema is fixed. `_bulk` answers after the stored items are committed, with Elasticsearch's per-item
 * results, so a shipper retries only the items that failed (and the whole request on 503); the
 * single-document APIs answer the same way for one document.
 */

const CLUSTER = "logflow"
const BUILD_DATE = "2026-11-30T00:00:00.000Z"

const clusterInfo = (version: string) => ({
  name: CLUSTER,
  cluster_name: CLUSTER,
  cluster_uuid: "logflow-elasticsearch-compatible-api",
  version: {
    number: version,
    build_flavor: "default",
    build_type: "logflow",
    build_hash: `logflow-${VERSION}`,
    build_date: BUILD_DATE,
    build_snapshot: false,
    lucene_version: "9.12.0",
    minimum_wire_compatibility_version: "7.17.0",
    minimum_index_compatibility_version: "7.0.0"
  },
  tagline: "You Know, for Search"
})

const license = {
  license: {
    status: "active",
    uid: "logflow",
    type: "basic",
    issue_date: BUILD_DATE,
    issue_date_in_millis: Date.parse(BUILD_DATE),
    max_nodes: 1000,
    issued_to: CLUSTER,
    issuer: "logflow",
    start_date_in_millis: -1
  }
}

/** Settings that shippers create at start-up and that LogFlow does not need. */
const PROBED_RESOURCES = [
  "/_index_template/:name",
  "/_template/:name",
  "/_component_template/:name",
  "/_ilm/policy/:name",
  "/_ingest/pipeline/:name",
  "/_data_stream/:name"
]

const SHARDS = { total: 1, successful: 1, failed: 0 }

/** Elasticsearch's error body: the error with its root cause, and the status. */
const esErrorBody = (error: BulkError, index: string, status: number) => {
  const cause = { ...error, index }
  return { error: { root_cause: [cause], ...cause }, status }
}

const itemResult = (item: BulkItem, result: ItemResult, seqNo: number) => {
  if ("error" in result) return { [item.action]: { _index: item.index, _id: result.id, status: result.status, error: { ...result.error, index: item.index } } }
  return {
    [item.action]: {
      _index: item.index,
      _id: result.id,
      _version: 1,
      result: result.result,
      _shards: SHARDS,
      _seq_no: seqNo,
      _primary_term: 1,
      status: result.status
    }
  }
}

type Services = LogBus | LogStore | Users | ApiKeys
type Params = Record<string, string | undefined>

/** What every write route checks first, and the body as text. */
const makeBodyReader = (config: Config) => {
  const checkDiskSpace = makeDiskGuard(config.DATA_DIR, config.DISK_MIN_FREE_MB * 1024 * 1024)
  return async (request: Request) => {
    checkDiskSpace()
    return readText(request, config.INGEST_MAX_BODY_BYTES)
  }
}

const bulkHandler = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) => {
  const fields = bulkFieldMap(config)
  const readText = makeBodyReader(config)
  return async ({ request, params }: { request: Request; params?: Params }) => {
    const started = performance.now()
    const body = await readText(request)
    let items: ReturnType<typeof decodeBulk>
    try {
      items = decodeBulk(body, params?.index, fields, Date.now(), config.ATTRIBUTES_PER_RECORD)
    } catch (e) {
      if (e instanceof MalformedBulk) throw new InvalidInput({ field: "body", reason: e.message })
      throw e
    }
    if (items.length === 0) throw new InvalidInput({ field: "body", reason: "holds no bulk actions; send NDJSON action/source line pairs" })
    const results = await writeItems(run, telemetry, items, config.ES_ID_LOOKUP_LIMIT)
    return {
      took: Math.round(performance.now() - started),
      errors: results.some((r) => "error" in r),
      items: items.map((item, i) => itemResult(item, results[i]!, i))
    }
  }
}

/**
 * One document written as Elasticsearch's document APIs take it: `POST /{index}/_doc` (a new
 * id), `PUT|POST /{index}/_doc/{id}` (`index`, or `create` with `?op_type=create`),
 * `PUT|POST /{index}/_create/{id}`, and the typed form of Elasticsearch 6 that rsyslog's
 * omelasticsearch still sends, `POST /{index}/{type}[/{id}]`. 201 `created`, 200 `noop` when an
 * `index` names a stored `_id`, 409 when a `create` does, 400 for a document that cannot be a record.
 */
const documentHandler = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments, create: boolean) => {
  const fields = bulkFieldMap(config)
  const readText = makeBodyReader(config)
  return async ({ request, params, set }: { request: Request; params: Params; set: { status?: number | string } }) => {
    const index = params.index!
    // `_search`, `_count` and the like are no document type; they are not written.
    if (params.type !== undefined && (params.type.startsWith("_") || index.startsWith("_"))) throw new NotFoundError()
    const action = create || new URL(request.url).searchParams.get("op_type") === "create" ? "create" : "index"
    const body = await readText(request)
    let source: unknown
    try {
      source = JSON.parse(body)
    } catch (e) {
      set.status = 400
      return esErrorBody({ type: "mapper_parsing_exception", reason: `failed to parse: ${(e as Error).message}` }, index, 400)
    }
    const outcome = documentToRecord(source, index, params.id, fields, Date.now(), config.ATTRIBUTES_PER_RECORD)
    const item: BulkItem = "type" in outcome ? { action, index, id: params.id, error: outcome } : { action, index, id: params.id, record: outcome }
    const [result] = await writeItems(run, telemetry, [item], config.ES_ID_LOOKUP_LIMIT)
    set.status = result!.status
    if ("error" in result!) return esErrorBody(result.error, index, result.status)
    return { _index: index, _id: result!.id, _version: 1, result: result!.result, _shards: SHARDS, _seq_no: 0, _primary_term: 1 }
  }
}

const bulkDocs = {
  summary: "Elasticsearch-compatible bulk ingest (index and create actions)",
  description:
    "NDJSON action/source pairs as Elasticsearch's `_bulk` takes them. Fields are mapped by LOG_FIELD_* (ECS names first by default). Answers with per-item results after the stored items are committed.",
  tags: ["logs"]
}

/** When records become searchable is LogFlow's own business (ELASTICSEARCH_REFRESH): a shipper's refresh or flush has nothing to start. */
const refreshed = () => ({ _shards: SHARDS })

/**
 * The write endpoints, for the root (where `GET /` is LogFlow's) and under ES_COMPAT_PATH:
 * `_bulk`, single-document writes, `_refresh` and `_flush`. `typed` adds Elasticsearch 6's
 * `POST /{index}/{type}`, only under the prefix, where it cannot take another route's path.
 */
export const esBulkRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments, mountedAt = "/", typed = false) => {
  const bulk = bulkHandler(run, config, telemetry)
  const write = documentHandler(run, config, telemetry, false)
  const create = documentHandler(run, config, telemetry, true)
  const hidden = { parse: "none", access: "ingest", detail: { hide: true } } as const
  const app = new Elysia({ name: "routes/es-bulk", seed: mountedAt })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .onAfterHandle(({ set }) => {
      set.headers["x-elastic-product"] = "Elasticsearch"
    })
    .post("/_bulk", bulk, { parse: "none", access: "ingest", detail: bulkDocs })
    .put("/_bulk", bulk, hidden)
    .post("/:index/_bulk", bulk, { parse: "none", access: "ingest", detail: bulkDocs })
    .put("/:index/_bulk", bulk, hidden)
    .post("/:index/_doc", write, hidden)
    .post("/:index/_doc/:id", write, hidden)
    .put("/:index/_doc/:id", write, hidden)
    .post("/:index/_create/:id", create, hidden)
    .put("/:index/_create/:id", create, hidden)
  for (const path of ["/_refresh", "/:index/_refresh", "/_flush", "/:index/_flush"]) app.get(path, refreshed, hidden).post(path, refreshed, hidden)
  if (typed) app.post("/:index/:type", write, hidden).post("/:index/:type/:id", write, hidden).put("/:index/:type/:id", write, hidden)
  return app
}

/** Paths at the root that belong to the Elasticsearch-compatible API: `[/{index}]/_bulk`, the searches and index descriptions. */
const ROOT_ES_PATHS = /^(\/[^/_][^/]*)?\/_(bulk|search|msearch|mapping|field_caps)$|^\/_(cat\/indices|resolve\/index)(\/|$)/

/**
 * Every response under ES_COMPAT_PATH (and of its paths served at the root) says it comes from
 * Elasticsearch, errors and unknown paths included, and errors come in Elasticsearch's body:
 * the official clients refuse to read a response without the header or with another body.
 */
const elasticsearchResponses = (prefix: string) => {
  const render = esErrorRenderer(prefix)
  return new Elysia({ name: "es-responses" }).onRequest(({ request, set }) => {
    const path = new URL(request.url).pathname
    if (path !== prefix && !path.startsWith(`${prefix}/`) && !ROOT_ES_PATHS.test(path)) return
    set.headers["x-elastic-product"] = "Elasticsearch"
    renderErrorsWith(request, render)
  })
}

/** An index name Elasticsearch would refuse (it starts with `_`): an API LogFlow does not serve, not an index. */
const notAnIndex = (index: string) => {
  if (index.startsWith("_")) throw new NotFoundError()
}

/** The whole Elasticsearch-compatible API under ES_COMPAT_PATH. */
export const esCompatRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) => {
  const hide = { detail: { hide: true } }
  const app = new Elysia({ name: "routes/es-compat", prefix: config.ES_COMPAT_PATH })
    .use(elasticsearchResponses(config.ES_COMPAT_PATH))
    .use(esBulkRoutes(run, config, telemetry, config.ES_COMPAT_PATH, true))
    .onAfterHandle(({ set }) => {
      set.headers["x-elastic-product"] = "Elasticsearch"
    })
    .get("/", () => clusterInfo(config.ES_COMPAT_VERSION), {
      detail: { summary: "Elasticsearch-style cluster information, for shippers' version checks", tags: ["system"] }
    })
    .get("", () => clusterInfo(config.ES_COMPAT_VERSION), hide)
    .head("/", () => "", hide)
    .head("", () => "", hide)
    .get("/_license", () => license, hide)
    .get("/_xpack", () => ({ build: {}, license: { uid: "logflow", type: "basic", mode: "basic", status: "active" }, features: {} }), hide)
    .get("/_cluster/health", () => ({ cluster_name: CLUSTER, status: "green", timed_out: false, number_of_nodes: 1, number_of_data_nodes: 1 }), hide)
  // Some outputs check for (or create) their index before writing; every index "exists".
  app
    .head(
      "/:index",
      ({ params }) => {
        notAnIndex((params as { index: string }).index)
        return ""
      },
      hide
    )
    .get(
      "/:index",
      ({ params }) => {
        const { index } = params as { index: string }
        notAnIndex(index)
        return { [index]: { aliases: {}, mappings: {}, settings: {} } }
      },
      hide
    )
    .put(
      "/:index",
      ({ params }) => {
        const { index } = params as { index: string }
        notAnIndex(index)
        return { acknowledged: true, shards_acknowledged: true, index }
      },
      { ...hide, parse: "none" }
    )
  for (const path of PROBED_RESOURCES) {
    app
      .get(path, ({ params }) => ({ [(params as { name: string }).name]: {} }), hide)
      .head(path, () => "", hide)
      .put(path, () => ({ acknowledged: true }), { ...hide, parse: "none" })
      .post(path, () => ({ acknowledged: true }), { ...hide, parse: "none" })
      .delete(path, () => ({ acknowledged: true }), hide)
  }
  return app
}
