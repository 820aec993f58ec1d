import { inCI } from "./ci.ts"

/** Whether the tests that drive a real program may run: in CI a missing one is a failure, elsewhere a skip with a reason. */
export const requireProgram = (name: string, path: string | undefined, install: string): boolean => {
  if (path !== undefined) return true
  if (inCI()) throw new Error(`${name} is required in CI and was not found (${install})`)
  console.warn(`skipping the ${name} tests: ${name} is not installed (${install})`)
  return false
}
