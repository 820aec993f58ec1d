/**
 * Prints each failed test of a JUnit report (bun's) with the start of its error, so that the end
 * of a CI log, the part that is kept, says why a test failed and not only which.
 *
 *   bun scripts/junit-failures.ts .ci/out/junit.xml
 */

// A module (top-level await), not a script whose names would be global.
export {}

const MAX_ERROR_CHARS = 1200

const decodeXml = (text: string) =>
  text
    .replace(/&#10;/g, "\n")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")

const attribute = (tag: string, name: string) => decodeXml(new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1] ?? "")

const report = await Bun.file(process.argv[2] ?? ".ci/out/junit.xml").text()
const failed = [...report.matchAll(/(<testcase [^>]*>)\s*<(failure|error)([^>]*)>([\s\S]*?)<\/\2>/g)]
for (const [, testcase, , , body] of failed) {
  const error = decodeXml(body ?? "").trim()
  console.log(`\n✗ ${attribute(testcase!, "file")}:${attribute(testcase!, "line")} ${attribute(testcase!, "name")}`)
  console.log(error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS)}…` : error)
}
