//! The goaccess section: a report of a whole log (`GET /report`) beside
//! GoAccess 1.7 (Debian's `goaccess`, its default configuration) on the
//! same files: a log of `--goaccess-mib` MiB (default 256, 64 with
//! `--quick`) of [`LineGen`]'s nginx combined lines, cut into the current
//! file, one plain rotation and two `gzip -6` ones, made once in
//! `<target>/bench-goaccess/<MiB>/`. GoAccess reads them through `zcat -f`
//! into its stdin (what an operator does with rotated logs); its time is
//! the wall time to its JSON report and its memory the peak RSS
//! (`wait4`'s ru_maxrss). logmon's time is the wall time of `/report` on
//! the running release daemon, and its memory the daemon's peak RSS growth
//! during the report (VmHWM, reset through `/proc/PID/clear_refs` before).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use logmon::protocol::report::ReportItem;

use crate::harness::{Bench, target_dir};
use crate::workload::LineGen;
use crate::{procfs, servers};

/// The files, oldest first.
const FILES: [&str; 4] = ["access.log.3.gz", "access.log.2.gz", "access.log.1", "access.log"];

pub struct Reports {
    pub text_bytes: u64,
    pub lines: u64,
    pub goaccess_secs: f64,
    pub goaccess_peak_kib: u64,
    pub logmon_secs: f64,
    pub logmon_extra_kib: u64,
    /// What the report said it held, and how many requests it counted.
    pub held_bytes: u64,
    pub counted: u64,
    pub goaccess_counted: u64,
}

pub async fn run(bench: &Bench, mib: u64) -> io::Result<Reports> {
    let dir = make_files(mib)?;
    let text_bytes = FILES.iter().map(|f| text_size(&dir.join(f))).sum::<io::Result<u64>>()?;
    let (goaccess_secs, goaccess_peak_kib, goaccess_counted) = goaccess(&dir)?;
    let scratch = tempfile::Builder::new().prefix("logmon-bench-report").tempdir()?;
    let server = servers::start_logmon(&bench.logmon, scratch.path(), &dir.join("access.log"), "nginx-combined")?;
    std::fs::write(format!("/proc/{}/clear_refs", server.pid()), "5")?;
    let before = procfs::usage(server.pid())?.rss_kib;
    let started = Instant::now();
    let body = servers::http_get(server.port, &format!("/report?stream={}&top=10", servers::STREAM)).await?;
    let logmon_secs = started.elapsed().as_secs_f64();
    let logmon_extra_kib = procfs::usage(server.pid())?.peak_kib.saturating_sub(before);
    let report = body
        .lines()
        .filter_map(|l| serde_json::from_str::<ReportItem>(l).ok())
        .find_map(|item| match item {
            ReportItem::Report(r) => Some(r),
            ReportItem::Progress { .. } => None,
        })
        .ok_or_else(|| {
            io::Error::other(format!(
                "no report in /report's answer: {}",
                &body[..body.len().min(300)]
            ))
        })?;
    Ok(Reports {
        text_bytes,
        lines: report.requests,
        goaccess_secs,
        goaccess_peak_kib,
        logmon_secs,
        logmon_extra_kib,
        held_bytes: report.memory,
        counted: report.valid,
        goaccess_counted,
    })
}

/// GoAccess on the files: seconds, peak RSS (KiB) and valid requests.
fn goaccess(dir: &Path) -> io::Result<(f64, u64, u64)> {
    let out = dir.join("goaccess.json");
    let started = Instant::now();
    let mut zcat = Command::new("zcat")
        .arg("-f")
        .args(FILES.map(|f| dir.join(f)))
        .stdout(Stdio::piped())
        .spawn()?;
    let child = Command::new("goaccess")
        .args(["-", "--log-format=COMBINED", "--no-progress", "-o"])
        .arg(&out)
        .stdin(zcat.stdout.take().expect("piped"))
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("goaccess: {e} (apt-get install goaccess)")))?;
    let peak_kib = wait_peak(child.id())?;
    let secs = started.elapsed().as_secs_f64();
    zcat.wait()?;
    let report: serde_json::Value = serde_json::from_slice(&fs::read(&out)?).map_err(io::Error::other)?;
    let valid = report["general"]["valid_requests"].as_u64().unwrap_or(0);
    Ok((secs, peak_kib, valid))
}

/// Waits for child `pid`; its peak RSS in KiB.
fn wait_peak(pid: u32) -> io::Result<u64> {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, status and usage point to live values.
    let got = unsafe { libc::wait4(pid as i32, &mut status, 0, &mut usage) };
    if got < 0 {
        return Err(io::Error::last_os_error());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(io::Error::other(format!("goaccess failed ({status})")));
    }
    Ok(usage.ru_maxrss as u64)
}

/// The log's files, made once: each a quarter of the lines, the two oldest gzipped.
fn make_files(mib: u64) -> io::Result<PathBuf> {
    let dir = target_dir()?.join("bench-goaccess").join(mib.to_string());
    if FILES.iter().all(|f| dir.join(f).exists()) {
        return Ok(dir);
    }
    fs::create_dir_all(&dir)?;
    eprintln!("making a {mib} MiB log in {} (once)", dir.display());
    let mut lines = LineGen::new(0x60ac_ce55);
    let quarter = (mib << 20) / 4;
    let mut line = Vec::with_capacity(256);
    for (i, name) in FILES.iter().enumerate() {
        let plain = dir.join(name.trim_end_matches(".gz"));
        let mut out = BufWriter::new(File::create(&plain)?);
        let mut written = 0;
        while written < quarter {
            line.clear();
            lines.push(&mut line, 1_700_000_000_000_000_000 + i as u64);
            out.write_all(&line)?;
            written += line.len() as u64;
        }
        out.flush()?;
        if name.ends_with(".gz") {
            let ok = Command::new("gzip").args(["-6", "-f"]).arg(&plain).status()?.success();
            if !ok {
                return Err(io::Error::other("gzip failed"));
            }
        }
    }
    Ok(dir)
}

/// Bytes of text in a file (`gzip -l` would be wrong past 4 GiB; zcat counts).
fn text_size(path: &Path) -> io::Result<u64> {
    if path.extension().is_some_and(|e| e == "gz") {
        let mut zcat = Command::new("zcat").arg(path).stdout(Stdio::piped()).spawn()?;
        let n = io::copy(&mut zcat.stdout.take().expect("piped"), &mut io::sink())?;
        zcat.wait()?;
        return Ok(n);
    }
    Ok(fs::metadata(path)?.len())
}
