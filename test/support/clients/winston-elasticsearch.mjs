// winston with winston-elasticsearch at its defaults; the service and host are the logger's default metadata.
import { hostname } from "node:os"
import winston from "winston"
import { ElasticsearchTransport } from "winston-elasticsearch"
import { linesFor, report } from "./lines.mjs"

const { LOGFLOW_URL, LOGFLOW_KEY, RUN, SERVICE } = process.env
const transport = new ElasticsearchTransport({ clientOpts: { node: `${LOGFLOW_URL}/es`, auth: { apiKey: LOGFLOW_KEY } } })
const failures = []
transport.on("error", (e) => failures.push(String(e)))
const logger = winston.createLogger({ level: "debug", defaultMeta: { service: SERVICE, host: hostname() }, transports: [transport] })
const sent = []
for (const line of [...linesFor(RUN), { level: "debug", message: "cache probe", fields: {} }]) {
  sent.push({ ...line, at: Date.now() })
  logger.log(line.level, line.message, line.fields)
}
// Ending the logger flushes the transport's buffer.
logger.on("finish", () => {
  if (failures.length > 0) {
    console.error(failures.join("\n"))
    process.exit(1)
  }
  report(sent)
})
logger.end()
