import { afterAll } from "bun:test"
import { faultTable } from "./fault-report.ts"

// The per-test timeout (60 s, since end-to-end tests start servers and engines) is the
// `--timeout` in package.json's test script: bun applies setDefaultTimeout from a preload to
// the first test file only.

// In the preload, afterAll runs once, after every test file: the fault suite's summary.
afterAll(() => {
  const table = faultTable()
  if (table) console.log(`\nFault suite: what each fault did to the records sent\n${table}\n`)
})
