import type { Level } from "../domain/log-record.ts"

/**
 * Realistic multi-service log lines: mostly INFO, some WARN/ERROR, rare FATAL, request-scoped
 * trace ids, Java-style stack traces on some errors, and error bursts (a service failing hard
 * for a few seconds) so that metrics and alerts have something to find.
 */

export const SERVICE_NAMES = [
  "payment-service",
  "auth-service",
  "order-service",
  "inventory-service",
  "user-service",
  "notification-service",
  "search-service",
  "api-gateway",
  "shipping-service",
  "billing-service"
] as const

export interface GeneratedLog {
  timestamp: string
  service: string
  level: Level
  message: string
  host: string
  trace_id: string
  span_id: string
  attributes: Record<string, string | number | boolean>
}

const pick = <T>(items: ReadonlyArray<T>): T => items[Math.floor(Math.random() * items.length)]!
const hex = (bytes: number) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("")
const int = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1))

const ENDPOINTS = ["/api/orders", "/api/users/{id}", "/api/payments", "/api/cart", "/api/search", "/api/login", "/api/inventory"]
const METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]

const INFO = [
  () => `Request completed ${pick(METHODS)} ${pick(ENDPOINTS)} status=200 duration_ms=${int(3, 250)}`,
  () => `User ${int(1000, 99999)} logged in from ${int(10, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
  () => `Order ORD-${int(100000, 999999)} created with ${int(1, 12)} items total=${(Math.random() * 500).toFixed(2)} USD`,
  () => `Payment authorised for order ORD-${int(100000, 999999)} amount=${(Math.random() * 900).toFixed(2)}`,
  () => `Cache refreshed for key product:${int(1, 5000)} in ${int(1, 40)}ms`,
  () => `Health check passed in ${int(1, 15)}ms`
]
const DEBUG = [
  () => `SQL query executed in ${int(1, 80)}ms rows=${int(0, 500)}`,
  () => `Feature flag checkout_v2 evaluated to ${Math.random() < 0.5}`,
  () => `Retrying connection attempt ${int(1, 3)} to db-primary`
]
const WARN = [
  () => `Slow request ${pick(METHODS)} ${pick(ENDPOINTS)} took ${int(1000, 5000)}ms`,
  () => `Connection pool ${int(80, 99)}% utilised (max=${pick([20, 50, 100])})`,
  () => `Rate limit approaching for client ${hex(4)}: ${int(80, 99)} of 100 requests`,
  () => `Deprecated API version v1 called by client ${hex(4)}`
]
const ERROR = [
  () => `Database connection timeout after ${int(3000, 30000)}ms host=db-${int(1, 3)}`,
  () => `Payment gateway returned 502 for transaction TX-${hex(6)}`,
  () => `Failed to publish event order.created: broker unavailable`,
  () => `Upstream timeout calling inventory-service after ${int(1000, 10000)}ms`,
  () => `NullPointerException while processing request ${hex(8)}`
]
const FATAL = [
  () => "Out of memory: heap exhausted, shutting down",
  () => `Unrecoverable error: configuration key ${pick(["DB_URL", "API_KEY", "QUEUE_URL"])} missing`
]

const stackTrace = (service: string) => {
  const pkg = service.replace(/-service$/, "").replace(/-/g, "")
  return [
    `java.lang.IllegalStateException: ${pick(["connection closed", "unexpected null", "timeout exceeded"])}`,
    `\tat com.example.${pkg}.Handler.process(Handler.java:${int(20, 400)})`,
    `\tat com.example.${pkg}.Controller.handle(Controller.java:${int(20, 200)})`,
    "\tat io.netty.channel.AbstractChannelHandlerContext.invokeChannelRead(AbstractChannelHandlerContext.java:379)"
  ].join("\n")
}

export class LogSynthesizer {
  private burst: { service: string; until: number } | undefined

  constructor(private readonly services: ReadonlyArray<string>) {}

  next(now: number): GeneratedLog {
    if (this.burst && this.burst.until < now) this.burst = undefined
    // About one burst every few minutes at a thousand lines per second.
    if (!this.burst && Math.random() < 0.000005) this.burst = { service: pick(this.services), until: now + int(5_000, 20_000) }
    const service = this.burst && Math.random() < 0.3 ? this.burst.service : pick(this.services)
    const inBurst = this.burst?.service === service
    const roll = Math.random()
    const level: Level = inBurst
      ? roll < 0.6
        ? "ERROR"
        : roll < 0.8
          ? "WARN"
          : "INFO"
      : roll < 0.1
        ? "DEBUG"
        : roll < 0.8
          ? "INFO"
          : roll < 0.92
            ? "WARN"
            : roll < 0.995
              ? "ERROR"
              : "FATAL"
    const templates = { TRACE: DEBUG, DEBUG, INFO, WARN, ERROR, FATAL }[level]
    let message = pick(templates)()
    if (level === "ERROR" && Math.random() < 0.2) message += `\n${stackTrace(service)}`
    return {
      timestamp: new Date(now).toISOString(),
      service,
      level,
      message,
      host: `${service.replace(/-service$/, "")}-${int(1, 3)}`,
      trace_id: hex(16),
      span_id: hex(8),
      attributes: { environment: "production", region: pick(["eu-west-1", "us-east-1"]), version: `1.${int(0, 9)}.${int(0, 20)}` }
    }
  }
}
