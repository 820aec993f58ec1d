import { setDefaultTimeout } from "bun:test"

// Tests that start servers (and engines) need more than bun's default 5 s on a busy machine.
setDefaultTimeout(60_000)
