import { Elysia } from "elysia"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { InvalidInput } from "../../domain/errors.ts"
import { bulkFieldMap, decodeBulk, MalformedBulk, type BulkItem } from "./decode.ts"
import type { LogBus } from "../../ports/log-bus.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { VERSION } from "../../version.ts"
import { makeDiskGuard } from "../disk-guard.ts"
import { publishRecords, readBody } from "../request.ts"
import { authPlugin } from "../../api/plugins/auth.ts"
import { errors } from "../../api/plugins/errors.ts"
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
 * results, so a shipper retries only the items that failed (and the whole request on 503).
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

const itemResult = (item: BulkItem, seqNo: number) => {
  if (item.error) return { [item.action]: { _index: item.index, _id: item.id ?? null, status: 400, error: { ...item.error, index: item.index } } }
  return {
    [item.action]: {
      _index: item.index,
      _id: item.id ?? item.record!.id,
      _version: 1,
      result: "created",
      _shards: { total: 1, successful: 1, failed: 0 },
      _seq_no: seqNo,
      _primary_term: 1,
      status: 201
    }
  }
}

type Services = LogBus | Users | ApiKeys

const bulkHandler = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) => {
  const fields = bulkFieldMap(config)
  const checkDiskSpace = makeDiskGuard(config.DATA_DIR, config.DISK_MIN_FREE_MB * 1024 * 1024)
  return async ({ request, params }: { request: Request; params?: Record<string, string | undefined> }) => {
    const started = performance.now()
    checkDiskSpace()
    const body = new TextDecoder().decode(await readBody(request, config.INGEST_MAX_BODY_BYTES))
    let items: ReturnType<typeof decodeBulk>
    try {
      items = decodeBulk(body, params?.index, fields, Date.now())
    } catch (e) {
      if (e instanceof MalformedBulk) throw new InvalidInput({ field: "body", reason: e.message })
      throw e
    }
    if (items.length === 0) throw new InvalidInput({ field: "body", reason: "holds no bulk actions; send NDJSON action/source line pairs" })
    const records = items.flatMap((item) => (item.record ? [item.record] : []))
    await publishRecords(run, telemetry, "bulk", records, items.length - records.length)
    return {
      took: Math.round(performance.now() - started),
      errors: records.length < items.length,
      items: items.map(itemResult)
    }
  }
}

const bulkDocs = {
  summary: "Elasticsearch-compatible bulk ingest (index and create actions)",
  description:
    "NDJSON action/source pairs as Elasticsearch's `_bulk` takes them. Fields are mapped by ES_FIELD_* (ECS names by default). Answers with per-item results after the stored items are committed.",
  tags: ["logs"]
}

/** The bulk endpoints only, for the root, where `GET /` is LogFlow's. */
export const esBulkRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments, mountedAt = "/") => {
  const bulk = bulkHandler(run, config, telemetry)
  return new Elysia({ name: "routes/es-bulk", seed: mountedAt })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .onAfterHandle(({ set }) => {
      set.headers["x-elastic-product"] = "Elasticsearch"
    })
    .post("/_bulk", bulk, { parse: "none", access: "ingest", detail: bulkDocs })
    .put("/_bulk", bulk, { parse: "none", access: "ingest", detail: { hide: true } })
    .post("/:index/_bulk", bulk, { parse: "none", access: "ingest", detail: bulkDocs })
    .put("/:index/_bulk", bulk, { parse: "none", access: "ingest", detail: { hide: true } })
}

/** The whole Elasticsearch-compatible API under ES_COMPAT_PATH. */
export const esCompatRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) => {
  const hide = { detail: { hide: true } }
  const app = new Elysia({ name: "routes/es-compat", prefix: config.ES_COMPAT_PATH })
    .use(esBulkRoutes(run, config, telemetry, config.ES_COMPAT_PATH))
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
    .head("/:index", () => "", hide)
    .get("/:index", ({ params }) => ({ [(params as { index: string }).index]: { aliases: {}, mappings: {}, settings: {} } }), hide)
    .put("/:index", ({ params }) => ({ acknowledged: true, shards_acknowledged: true, index: (params as { index: string }).index }), { ...hide, parse: "none" })
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
