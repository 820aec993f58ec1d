// pino with pino-loki at its defaults (batching, JSON), the service named by a label as its README shows.
import pino from "pino"
import pinoLoki from "pino-loki"
import { linesFor, report } from "./lines.mjs"

const { LOGFLOW_URL, LOGFLOW_KEY, RUN, SERVICE } = process.env
const transport = pinoLoki({ host: LOGFLOW_URL, basicAuth: { username: "shipper", password: LOGFLOW_KEY }, labels: { application: SERVICE } })
const logger = pino({ level: "trace" }, transport)
const sent = []
for (const line of [...linesFor(RUN), { level: "fatal", message: "ledger unreachable", fields: { meta: { tenant: "acme" } } }]) {
  sent.push({ ...line, at: Date.now() })
  logger[line.level](line.fields, line.message)
}
// Ending the transport pushes what its batch holds.
transport.on("close", () => report(sent))
transport.end()
