import { setDefaultTimeout } from "bun:test"
import { useEngine } from "../support/engines.ts"
import { kafkaBusSuite } from "./kafka-bus-suite.ts"

// bun applies the preload's default timeout to the first test file only: engines need it here too.
setDefaultTimeout(60_000)

const brokers = await useEngine("kafka")

kafkaBusSuite("plain text", brokers === undefined ? undefined : { brokers, security: { ssl: false } })
