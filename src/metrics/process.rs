//! What a run costs the process: its peak memory, for `mailsim run --stats` and the benchmarks.

/// The process's peak resident set size in bytes (`VmHWM` in `/proc/self/status`), or `None`
/// where that is not available (other systems than Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_memory_is_known_on_linux_and_plausible() {
        let peak = peak_rss_bytes();
        if cfg!(target_os = "linux") {
            let peak = peak.expect("Linux reports VmHWM");
            assert!(
                peak > 1 << 20,
                "a test process uses more than 1 MiB: {peak}"
            );
        }
    }
}
