import { int, MiB, settingsSection } from "../../settings.ts"

export const tailSettings = settingsSection("Live tail", "The live-tail stream (`/api/v1/logs/tail`).", {
  TAIL_HUB_CAPACITY: int(1, 100_000)
    .default(1_000)
    .describe("Committed batches the live-tail hub holds for its subscribers; when full, the oldest batch is dropped (counted)."),
  TAIL_SUBSCRIBER_BUFFER: int(1, 1_000_000)
    .default(10_000)
    .describe("Records one live-tail subscriber may fall behind by; beyond it, newer records are not queued for it and are reported to it as missed."),
  TAIL_SUBSCRIBER_BUFFER_BYTES: int(64 * 1024, 1_024 * MiB)
    .default(8 * MiB)
    .describe(
      "The same bound in bytes (about: text at two bytes a character), whichever is reached first: a subscriber behind on long records cannot take the memory that short ones may."
    ),
  TAIL_MAX_PER_CLIENT: int(1, 1_000).default(5).describe("Live tails one user (or address) may hold open at once."),
  TAIL_MATCH_BYTES: int(256, 16_777_216)
    .default(65_536)
    .describe(
      "A live tail's query is matched against the first this many characters of each record's message (bytes, for ASCII text), so what one subscriber costs per record is bounded; words further into a longer message are not seen by live tail (search sees them)."
    )
})
