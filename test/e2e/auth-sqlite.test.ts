import { authSuite } from "./auth.ts"

authSuite("SQLite", async () => ({}))
