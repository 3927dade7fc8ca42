//! Provenance of a report: commit, machine, compiler, date, and the process's
//! peak resident set size.

use std::process::Command;

use serde::Serialize;

/// The machine a report ran on.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// Logical CPUs available (`nproc`).
    pub nproc: usize,
    /// `model name` from /proc/cpuinfo, or "unknown".
    pub cpu_model: String,
    /// 1-minute load average when the run started (the machine may be shared).
    pub load_average_at_start: Option<f64>,
    /// `uname -sr`-like description from /proc/sys/kernel/osrelease.
    pub os: String,
}

impl Machine {
    /// Describe this machine.
    pub fn this() -> Machine {
        let nproc = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| cpu_model(&s))
            .unwrap_or_else(|| "unknown".into());
        let load_average_at_start = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()));
        let os = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|r| format!("{} {}", std::env::consts::OS, r.trim()))
            .unwrap_or_else(|_| std::env::consts::OS.to_string());
        Machine { nproc, cpu_model, load_average_at_start, os }
    }
}

/// The first `model name` line of a /proc/cpuinfo text.
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn stdout_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()).filter(|s| !s.is_empty())
}

/// `git rev-parse HEAD`, or "unknown" outside a git checkout.
pub fn commit() -> String {
    stdout_of("git", &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into())
}

/// True when tracked files differ from the commit (`git status --porcelain`).
pub fn dirty() -> Option<bool> {
    let out = Command::new("git").args(["status", "--porcelain", "--untracked-files=no"]).output().ok()?;
    out.status.success().then_some(!out.stdout.is_empty())
}

/// `rustc --version`, or "unknown".
pub fn rustc() -> String {
    stdout_of("rustc", &["--version"]).unwrap_or_else(|| "unknown".into())
}

/// Reset the process's peak RSS (Linux: write 5 to /proc/self/clear_refs).
/// Returns false where that is not possible; VmHWM then keeps the peak of the
/// whole process so far.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident set size in bytes (VmHWM of /proc/self/status), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    vm_hwm(&status)
}

/// The VmHWM line of a /proc/<pid>/status text, in bytes.
pub fn vm_hwm(status: &str) -> Option<u64> {
    status_bytes(status, "VmHWM:")
}

/// Current resident set size in bytes (VmRSS of /proc/self/status: resident
/// pages times the page size), if known.
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status_bytes(&status, "VmRSS:")
}

/// The `<field> <n> kB` line of a /proc/<pid>/status text, in bytes.
fn status_bytes(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Seconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(epoch_seconds: u64) -> String {
    let days = (epoch_seconds / 86_400) as i64;
    let rem = epoch_seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem / 60 % 60, rem % 60)
}

/// The current time as [`utc`].
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    utc(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpuinfo_and_status() {
        let cpu = "processor\t: 0\nvendor_id\t: X\nmodel name\t: Example CPU @ 2.0GHz\n";
        assert_eq!(cpu_model(cpu).as_deref(), Some("Example CPU @ 2.0GHz"));
        assert_eq!(cpu_model("processor : 0\n"), None);
        assert_eq!(vm_hwm("Name:\tx\nVmHWM:\t   1234 kB\nVmRSS:\t 10 kB\n"), Some(1234 * 1024));
        assert_eq!(vm_hwm("Name:\tx\n"), None);
        assert_eq!(status_bytes("VmHWM:\t 9 kB\nVmRSS:\t 10 kB\n", "VmRSS:"), Some(10 * 1024));
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }

    #[test]
    fn peak_rss_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes().is_some_and(|b| b > 0));
        }
    }
}
