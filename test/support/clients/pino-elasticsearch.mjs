// pino with pino-elasticsearch at its defaults, pointed at LogFlow's Elasticsearch API.
import pino from "pino"
import pinoElastic from "pino-elasticsearch"
import { linesFor, report } from "./lines.mjs"

const { LOGFLOW_URL, LOGFLOW_KEY, RUN, SERVICE } = process.env
const stream = pinoElastic({ node: `${LOGFLOW_URL}/es`, auth: { apiKey: LOGFLOW_KEY } })
const fail = (e) => {
  console.error(e.message ?? String(e))
  process.exit(1)
}
stream.on("insertError", fail)
stream.on("error", fail)
const logger = pino({ name: SERVICE, level: "trace" }, stream)
const sent = []
for (const line of [...linesFor(RUN), { level: "fatal", message: "ledger unreachable", fields: {} }, { level: "trace", message: "cache probe", fields: {} }]) {
  sent.push({ ...line, at: Date.now() })
  logger[line.level](line.fields, line.message)
}
// Ending the stream flushes the client's bulk helper and refreshes the index, as on shutdown.
stream.on("insert", () => report(sent))
stream.end()
