import { Elysia } from "elysia"

/** Every response carries an `X-Request-ID`, also quoted in error bodies. */
export const requestIds = new Elysia({ name: "request-id" })
  .onRequest(({ set }) => {
    set.headers["x-request-id"] = crypto.randomUUID()
  })
  .as("global")
