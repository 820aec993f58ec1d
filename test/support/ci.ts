/**
 * Whether the tests run in CI, where a missing engine or client is a failure and not a skip:
 * any non-empty CI variable but "false" or "0" (services set it to "true", "1" or a name).
 */
export const inCI = (): boolean => {
  const value = process.env.CI?.trim().toLowerCase()
  return value !== undefined && value !== "" && value !== "false" && value !== "0"
}
