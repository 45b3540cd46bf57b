//! CPU time and memory of processes, from `/proc`.

use std::fs;
use std::io;
use std::time::Duration;

/// What one process (and the children it was asked to include) has used so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set (VmHWM), KiB.
    pub peak_kib: u64,
    /// Current resident set (VmRSS), KiB.
    pub rss_kib: u64,
    /// Context switches of all threads (voluntary and not): how often it woke up.
    pub switches: u64,
}

impl Usage {
    /// Adds another process's usage (a child's).
    pub fn add(self, o: Usage) -> Usage {
        Usage {
            cpu: self.cpu + o.cpu,
            peak_kib: self.peak_kib + o.peak_kib,
            rss_kib: self.rss_kib + o.rss_kib,
            switches: self.switches + o.switches,
        }
    }
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// The unit of the CPU times in `/proc`.
pub fn tick() -> Duration {
    Duration::from_secs_f64(1.0 / clock_ticks())
}

/// The fields of `/proc/PID/stat` after the command name, which may hold spaces.
fn stat_fields(pid: u32) -> io::Result<Vec<String>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let rest = text.rsplit_once(')').map_or("", |(_, r)| r);
    Ok(rest.split_whitespace().map(str::to_string).collect())
}

/// User plus system time of `pid` (field 14 + 15 of its stat line).
pub fn cpu_time(pid: u32) -> io::Result<Duration> {
    let f = stat_fields(pid)?;
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Ok(Duration::from_secs_f64((ticks(11) + ticks(12)) as f64 / clock_ticks()))
}

/// Usage of one process.
pub fn usage(pid: u32) -> io::Result<Usage> {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))?;
    Ok(Usage {
        cpu: cpu_time(pid)?,
        peak_kib: status_kib(&status, "VmHWM:"),
        rss_kib: status_kib(&status, "VmRSS:"),
        switches: switches(pid),
    })
}

/// Usage of `pid` plus its direct children (frontail runs `tail -F`).
pub fn usage_with_children(pid: u32) -> io::Result<Usage> {
    let mut u = usage(pid)?;
    for child in children(pid) {
        if let Ok(c) = usage(child) {
            u = u.add(c);
        }
    }
    Ok(u)
}

/// CPU time of the calling thread.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CPU time of this process: the benchmark's clients and writer.
pub fn self_cpu() -> Duration {
    cpu_time(std::process::id()).unwrap_or_default()
}

fn status_kib(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Context switches summed over every thread of `pid`.
fn switches(pid: u32) -> u64 {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    let count = |s: &str, key: &str| status_kib(s, key);
    tasks
        .flatten()
        .filter_map(|t| fs::read_to_string(t.path().join("status")).ok())
        .map(|s| count(&s, "voluntary_ctxt_switches:") + count(&s, "nonvoluntary_ctxt_switches:"))
        .sum()
}

/// Processes whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(procs) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    procs
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&p| stat_fields(p).is_ok_and(|f| f.get(1).and_then(|v| v.parse().ok()) == Some(pid)))
        .collect()
}

/// Busy and total jiffies of the whole machine (first line of `/proc/stat`).
#[derive(Clone, Copy, Debug, Default)]
pub struct MachineCpu {
    busy: u64,
}

pub fn machine_cpu() -> MachineCpu {
    let text = fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = text
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    let idle = get(3) + get(4);
    let total: u64 = (0..8).map(get).sum();
    MachineCpu { busy: total - idle }
}

impl MachineCpu {
    /// CPU seconds the whole machine was busy since `earlier`.
    pub fn busy_since(&self, earlier: MachineCpu) -> Duration {
        Duration::from_secs_f64(self.busy.saturating_sub(earlier.busy) as f64 / clock_ticks())
    }
}

/// Cores of this machine.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The 1-minute load average.
pub fn load_average() -> f64 {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}
