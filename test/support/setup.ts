import { afterAll, setDefaultTimeout } from "bun:test"
import { faultTable } from "./fault-report.ts"

// Tests that start servers (and engines) need more than bun's default 5 s on a busy machine.
setDefaultTimeout(60_000)

// In the preload, afterAll runs once, after every test file: the fault suite's summary.
afterAll(() => {
  const table = faultTable()
  if (table) console.log(`\nFault suite: what each fault did to the records sent\n${table}\n`)
})
