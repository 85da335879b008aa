use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A span of `n` days in seconds.
pub fn days(n: u64) -> u64 {
    n * 24 * 60 * 60
}
