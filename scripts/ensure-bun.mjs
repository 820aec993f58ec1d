// Puts Bun's binary in place when npm skipped the `bun` package's postinstall script (installs
// with --ignore-scripts, or an npm that blocks install scripts not approved in `allowScripts`),
// so the commands in package.json that run `bun` work either way. Runs on Node: Bun may be the
// thing that is missing.
import { execFileSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const bun = join(root, "node_modules", ".bin", "bun")

const works = () => {
  try {
    execFileSync(bun, ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

if (!works()) {
  console.error("bun: its binary is not in place (npm skipped its install script); putting it there")
  execFileSync(process.execPath, ["install.js"], { cwd: join(root, "node_modules", "bun"), stdio: "inherit" })
  if (!works()) {
    console.error("bun: still not runnable; reinstall with `npm install --allow-scripts=bun`")
    process.exit(1)
  }
}
