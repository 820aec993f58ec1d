import { Elysia } from "elysia"

/**
 * Elysia splits a query value at commas (`?service=a,b`, or a repeated key) into an array
 * before a zod schema sees it. Our parameters are text: comma-separated lists (`service`,
 * `level`, `fields`) are split by the routes themselves, and free text (`query`) may contain
 * commas. So every array is joined back into the text it came from.
 */
export const queryLists = new Elysia({ name: "query-lists" }).onTransform({ as: "global" }, ({ query }) => {
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) (query as Record<string, unknown>)[key] = value.join(",")
  }
})
