import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { startForegroundDaemon, type ForegroundDaemon } from "./foreground-daemon.ts"

/**
 * Debian's syslog-ng in the foreground with a test's configuration, its persist file, pid file
 * and control socket in its own temporary directory. `.ci/run` installs it (syslog-ng-core,
 * syslog-ng-mod-http, syslog-ng-scl).
 */

export const syslogNgPath = Bun.which("syslog-ng") ?? (Bun.file("/usr/sbin/syslog-ng").size > 0 ? "/usr/sbin/syslog-ng" : undefined)

/** Starts syslog-ng with `body` (sources, destinations, log paths) and waits until `readyPort` accepts TCP connections. */
export const startSyslogNg = (body: string, readyPort: number): Promise<ForegroundDaemon> =>
  startForegroundDaemon(
    "syslog-ng",
    (dir) => [
      syslogNgPath!,
      "-F",
      "--no-caps",
      "--stderr",
      "-f",
      join(dir, "syslog-ng.conf"),
      "--persist-file",
      join(dir, "syslog-ng.persist"),
      "--pidfile",
      join(dir, "syslog-ng.pid"),
      "--control",
      join(dir, "syslog-ng.ctl")
    ],
    readyPort,
    (dir) => writeFileSync(join(dir, "syslog-ng.conf"), `@version: 3.38\n@include "scl.conf"\noptions { stats-freq(0); keep-hostname(yes); };\n${body}\n`)
  )
