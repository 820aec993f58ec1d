/**
 * Versioned schema of the metadata store. Each migration runs once, in order, inside a
 * transaction, on SQLite and PostgreSQL alike: only portable types (TEXT, BIGINT, BOOLEAN,
 * DOUBLE PRECISION), text ids (ULIDs) and ISO-8601 UTC timestamps in TEXT. Never edit a
 * migration that has shipped; add the next one.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly statements: ReadonlyArray<string>
}

export const MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "accounts, alerting and configuration",
    statements: [
      `CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        email TEXT NOT NULL UNIQUE,
        full_name TEXT,
        password_hash TEXT NOT NULL,
        is_admin BOOLEAN NOT NULL DEFAULT FALSE,
        is_active BOOLEAN NOT NULL DEFAULT TRUE,
        token_version BIGINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_login_at TEXT
      )`,
      `CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        last_used_at TEXT,
        revoked_at TEXT
      )`,
      "CREATE INDEX api_keys_user ON api_keys(user_id)",
      `CREATE TABLE alert_rules (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        description TEXT,
        condition TEXT NOT NULL,
        threshold DOUBLE PRECISION NOT NULL,
        time_window_minutes BIGINT NOT NULL,
        levels TEXT NOT NULL,
        services TEXT NOT NULL,
        query TEXT,
        notification_channel TEXT NOT NULL,
        notification_config TEXT NOT NULL,
        webhook_secret TEXT,
        is_active BOOLEAN NOT NULL DEFAULT TRUE,
        evaluation_interval_seconds BIGINT NOT NULL DEFAULT 60,
        cooldown_minutes BIGINT NOT NULL DEFAULT 5,
        snoozed_until TEXT,
        is_flapping BOOLEAN NOT NULL DEFAULT FALSE,
        last_evaluated_at TEXT,
        last_triggered_at TEXT,
        trigger_count BIGINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`,
      "CREATE INDEX alert_rules_owner ON alert_rules(owner_id)",
      `CREATE TABLE triggered_alerts (
        id TEXT PRIMARY KEY,
        rule_id TEXT NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
        rule_name TEXT NOT NULL,
        status TEXT NOT NULL,
        condition TEXT NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        threshold DOUBLE PRECISION NOT NULL,
        time_window_minutes BIGINT NOT NULL,
        first_seen_at TEXT,
        last_seen_at TEXT,
        sample_log_ids TEXT NOT NULL,
        triggered_at TEXT NOT NULL,
        last_notified_at TEXT,
        notification_count BIGINT NOT NULL DEFAULT 0,
        acknowledged_by TEXT,
        acknowledged_at TEXT,
        resolved_by TEXT,
        resolved_at TEXT,
        resolution TEXT
      )`,
      "CREATE INDEX triggered_alerts_rule ON triggered_alerts(rule_id, triggered_at)",
      "CREATE INDEX triggered_alerts_status ON triggered_alerts(status, triggered_at)",
      `CREATE TABLE system_config (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT
      )`
    ]
  },
  {
    version: 2,
    name: "alert notifications and leader leases",
    statements: [
      // One row per delivery attempt of a notification, so users can see why one did not arrive.
      `CREATE TABLE notification_attempts (
        id TEXT PRIMARY KEY,
        alert_id TEXT NOT NULL REFERENCES triggered_alerts(id) ON DELETE CASCADE,
        rule_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        event TEXT NOT NULL,
        attempt BIGINT NOT NULL,
        outcome TEXT NOT NULL,
        http_status BIGINT,
        error TEXT,
        attempted_at TEXT NOT NULL
      )`,
      "CREATE INDEX notification_attempts_alert ON notification_attempts(alert_id, attempted_at)",
      // A lease names the one process that does a singleton job (the alert engine) until it expires.
      `CREATE TABLE leader_leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      )`
    ]
  },
  {
    version: 3,
    name: "alert rule evaluation errors",
    statements: [
      // Why the rule's last evaluation was stopped (its query ran past SEARCH_TIMEOUT_MS); the
      // rule is not evaluated again until it is edited, which clears these.
      "ALTER TABLE alert_rules ADD COLUMN evaluation_error TEXT",
      "ALTER TABLE alert_rules ADD COLUMN evaluation_error_at TEXT"
    ]
  },
  {
    version: 4,
    name: "log patterns and pattern alerts",
    statements: [
      // One row per learned template of a service; times are epoch ms, as the per-minute counts.
      `CREATE TABLE log_patterns (
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        template TEXT NOT NULL,
        count BIGINT NOT NULL,
        first_seen BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        sample_id TEXT NOT NULL
      )`,
      "CREATE INDEX log_patterns_service ON log_patterns(service, last_seen)",
      // Records per template per minute of event time, with the level mix and one record of that minute.
      `CREATE TABLE log_pattern_minutes (
        pattern_id TEXT NOT NULL,
        service TEXT NOT NULL,
        minute BIGINT NOT NULL,
        count BIGINT NOT NULL,
        trace BIGINT NOT NULL,
        debug BIGINT NOT NULL,
        info BIGINT NOT NULL,
        warn BIGINT NOT NULL,
        error BIGINT NOT NULL,
        fatal BIGINT NOT NULL,
        sample_id TEXT NOT NULL,
        PRIMARY KEY (pattern_id, minute)
      )`,
      "CREATE INDEX log_pattern_minutes_minute ON log_pattern_minutes(minute, service)",
      // Pattern alert rules compare their window with the minutes before it; their alerts name the template.
      "ALTER TABLE alert_rules ADD COLUMN baseline_minutes BIGINT",
      "ALTER TABLE triggered_alerts ADD COLUMN pattern TEXT"
    ]
  }
]
