//! Time stamps: ISO 8601 in UTC with microseconds, as the original services wrote them.

/// Now, e.g. `2026-12-01T23:36:54.123456Z`.
pub fn now_iso() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
