import { z } from "zod"
import { int, settingsSection } from "../../settings.ts"

export const metaStoreSettings = settingsSection(
  "Metadata database",
  "Users, API keys, alert rules and settings: PostgreSQL when configured, else SQLite in DATA_DIR.",
  {
    DATABASE_URL: z
      .string()
      .regex(/^(postgres(ql)?|sqlite):\/\//, "expected postgres://… or sqlite://…")
      .optional()
      .describe("Metadata store: `postgres://…` (or the POSTGRES_* variables) for PostgreSQL, else SQLite in DATA_DIR."),
    POSTGRES_HOST: z.string().min(1).optional().describe("PostgreSQL host for the metadata store, when DATABASE_URL is unset."),
    POSTGRES_PORT: int(1, 65535).default(5432).describe("PostgreSQL port."),
    POSTGRES_USER: z.string().min(1).default("postgres").describe("PostgreSQL user."),
    POSTGRES_PASSWORD: z.string().optional().describe("PostgreSQL password."),
    POSTGRES_DB: z.string().min(1).default("logflow").describe("PostgreSQL database.")
  }
)
