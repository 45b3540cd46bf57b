//! What /proc says about a running process: its status fields (memory,
//! capabilities, credentials), its CPU time and the files it holds open.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::daemon::Process;

impl Process {
    /// The fields of /proc/PID/status by name (`VmRSS`, `CapEff`, `Uid`, ...),
    /// values trimmed.
    pub fn proc_status(&self) -> HashMap<String, String> {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/PID/status")
            .lines()
            .filter_map(|l| l.split_once(':').map(|(k, v)| (k.to_string(), v.trim().to_string())))
            .collect()
    }

    /// Resident set size in KiB (VmRSS).
    pub fn rss_kib(&self) -> u64 {
        let status = self.proc_status();
        let rss = status.get("VmRSS").expect("VmRSS in /proc/PID/status");
        let kib = rss.split_whitespace().next().and_then(|n| n.parse().ok());
        kib.unwrap_or_else(|| panic!("VmRSS: {rss:?}"))
    }

    /// Forgets the peak of its resident memory: from now, the peak
    /// ([`Process::peak_mib`]) is what it holds from now.
    pub fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5").expect("write /proc/PID/clear_refs");
    }

    /// Its peak resident memory (VmHWM) in MiB.
    pub fn peak_mib(&self) -> u64 {
        let hwm = self.proc_status().remove("VmHWM").expect("VmHWM in /proc/PID/status");
        hwm.split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .expect("VmHWM in kB")
            >> 10
    }

    /// utime + stime of the whole process, in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).expect("read /proc/PID/stat");
        // The command name is in parentheses and may contain spaces: the
        // fields after the last ')' start with field 3 (state).
        let after = &stat[stat.rfind(')').expect("comm in stat") + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        // utime is field 14 and stime field 15 (1-based) => 11 and 12 here.
        let utime: u64 = fields[11].parse().expect("utime");
        let stime: u64 = fields[12].parse().expect("stime");
        utime + stime
    }

    /// The files the process holds open (targets of /proc/PID/fd links).
    fn open_files(&self) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{}/fd", self.pid())) else {
            return Vec::new();
        };
        dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }

    /// Waits until the process holds no file whose path contains `needle`
    /// (e.g. a rotated file it should have let go); fails after `timeout`.
    pub fn wait_released(&self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let held: Vec<String> = self.open_files().into_iter().filter(|f| f.contains(needle)).collect();
            if held.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "logmon still holds {held:?} after {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
