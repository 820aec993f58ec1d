import { LogSynthesizer, SERVICE_NAMES } from "../../src/generator/synthesis.ts"

/** `count` NDJSON bodies of `batch` synthetic records each, timestamps spread over the last hour. */
export const ndjsonBodies = (count: number, batch: number): string[] => {
  const synth = new LogSynthesizer(SERVICE_NAMES.slice(0, 8))
  const start = Date.now() - 3_600_000
  return Array.from({ length: count }, (_, b) => {
    let body = ""
    for (let i = 0; i < batch; i++) body += JSON.stringify(synth.next(start + (b * batch + i) * 3)) + "\n"
    return body
  })
}
