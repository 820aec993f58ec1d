import { z } from "zod"

/**
 * What the per-feature `settings.ts` files share: value types for environment variables and the
 * shape of a section. Each feature declares its variables next to its code; `config.ts` composes
 * them into one schema, and `npm run docs:config` writes docs/configuration.md from the sections.
 */

export const MiB = 1024 * 1024
/** An integer within [min, max], from its decimal text. */
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
export const bool = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => v === "true" || v === "1" || v === "yes")
/** `N/second`, `N/minute` or `N/hour`. */
export const rate = z.string().regex(/^\d{1,9}\/(second|minute|hour)$/, "expected N/second, N/minute or N/hour")
/** Comma-separated `http(s)://host:port` URLs. */
export const urlList = z.string().regex(/^https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*$/, "expected comma-separated http(s):// URLs")
/** Comma-separated `host:port` pairs. */
export const hostPortList = z.string().regex(/^[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5})*$/, "expected comma-separated host:port pairs")
export const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "expected a Kafka topic name")

/** A titled group of variables; every variable carries its description (`.describe`) for the docs. */
export interface SettingsSection<Shape extends z.ZodRawShape> {
  readonly title: string
  readonly about: string
  readonly shape: Shape
}

export const settingsSection = <Shape extends z.ZodRawShape>(title: string, about: string, shape: Shape): SettingsSection<Shape> => ({ title, about, shape })

/** The file variable of a secret: `NAME_FILE` holds the path of a file whose content is `NAME` (a secret mounted as a file). */
export const secretFile = (name: string) => z.string().min(1).optional().describe(`File holding ${name} (a mounted secret), instead of ${name} itself.`)

/** A PEM file's path. */
export const pemFile = (what: string) => z.string().min(1).optional().describe(what)
