import { bool, rate, settingsSection } from "../../settings.ts"

export const rateLimitSettings = settingsSection("Rate limits", "Sliding-window limits, each `N/second`, `N/minute` or `N/hour`.", {
  RATE_LIMIT_ENABLED: bool.default(true).describe("Apply the rate limits below (per user when authenticated, else per client address)."),
  RATE_LIMIT_DEFAULT: rate.default("100/minute").describe("Requests to endpoints without a limit of their own."),
  RATE_LIMIT_SEARCH: rate.default("50/minute").describe("Searches (`/logs/search`, the histogram and facets)."),
  RATE_LIMIT_RECENT: rate.default("100/minute").describe("`GET /logs/recent`."),
  RATE_LIMIT_LOOKUP: rate.default("200/minute").describe("Look-ups of one log or its context."),
  RATE_LIMIT_LOGIN: rate.default("20/hour").describe("Sign-in attempts."),
  RATE_LIMIT_REGISTER: rate.default("10/hour").describe("Registrations."),
  RATE_LIMIT_METRICS: rate.default("100/minute").describe("Metrics endpoints."),
  RATE_LIMIT_PROFILE_UPDATE: rate.default("30/hour").describe("Profile and password changes."),
  RATE_LIMIT_USER_LIST: rate.default("50/minute").describe("Admin user listing."),
  RATE_LIMIT_QUERY_API: rate
    .default("1200/minute")
    .describe("Requests to the query APIs that dashboards poll (Grafana's Loki data source: `/loki/api/v1/…`), one limit shared by all their routes.")
})
