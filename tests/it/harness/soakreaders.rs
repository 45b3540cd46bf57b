//! The soak test's WebSocket readers, each in its own thread on a `RawWs`:
//!
//! - steady readers connect live (`backlog=0`) before the first line and
//!   stay until they have every line up to a target, checking continuity
//!   (`Tally`) or every line (`Verify`);
//! - churners connect and disconnect in a loop, each session a little
//!   different: live, with a backlog, resuming with `since=` where the last
//!   session ended; now and then one stops reading for a few seconds and
//!   then reads on, past a gap. They leave with a close frame or by
//!   dropping the connection.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::tally::{StartAt, Tally, Verify};
use super::wsraw::{Pumped, RawWs};

/// Churners `0..STALLING` stop reading for `STALL` in every `STALL_EVERY`th
/// session. The daemon waits up to 1 s (the hub's live window) for a reader
/// that stopped reading before it leaves it behind: each stall holds every
/// other reader up for about that long.
const STALLING: u64 = 1;
const STALL_EVERY: u64 = 4;
const STALL: Duration = Duration::from_millis(2500);

/// What the readers share with the test.
#[derive(Clone, Default)]
pub struct Control {
    /// Steady readers that received their hello.
    pub ready: Arc<AtomicUsize>,
    /// The last seq steady readers wait for; 0 until it is known.
    pub target: Arc<AtomicU64>,
    /// Tells every reader to leave now.
    pub stop: Arc<AtomicBool>,
    /// Tells churners to stop starting sessions.
    pub stop_churn: Arc<AtomicBool>,
}

/// A steady reader's checks, and how it ended.
pub enum Checks {
    Count(Box<Tally>),
    Verify(Box<Verify>),
}

impl Checks {
    pub fn tally(&self) -> &Tally {
        match self {
            Checks::Count(t) => t,
            Checks::Verify(v) => &v.tally,
        }
    }

    fn take(&mut self, msg: &[u8]) {
        match self {
            Checks::Count(t) => {
                t.take(msg);
            }
            Checks::Verify(v) => v.take(msg),
        }
    }
}

pub struct SteadyReport {
    pub checks: Checks,
    pub pings: u64,
    /// Why it ended before having every line, if it did.
    pub cut_short: Option<String>,
}

/// A steady reader: live from before the first line until the target.
pub fn spawn_steady(addr: SocketAddr, verify: bool, ctl: Control) -> JoinHandle<SteadyReport> {
    let name = if verify { "soak-verify" } else { "soak-count" };
    let checks = match verify {
        true => Checks::Verify(Box::new(Verify::new(StartAt::Live))),
        false => Checks::Count(Box::new(Tally::new(StartAt::Live))),
    };
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || steady(addr, checks, &ctl))
        .expect("spawn a reader")
}

fn steady(addr: SocketAddr, mut checks: Checks, ctl: &Control) -> SteadyReport {
    let mut ws = RawWs::connect(addr, "backlog=0").unwrap_or_else(|e| panic!("steady reader: {e}"));
    let mut counted_ready = false;
    let cut_short = loop {
        match ws.pump(&mut |m| checks.take(m)) {
            Ok(Pumped::Open) => {}
            Ok(Pumped::Closed) => break Some("the server closed the connection".to_string()),
            Err(e) => break Some(format!("read failed: {e}")),
        }
        let t = checks.tally();
        if !counted_ready && t.hellos > 0 {
            ctl.ready.fetch_add(1, Ordering::SeqCst);
            counted_ready = true;
        }
        let target = ctl.target.load(Ordering::SeqCst);
        if target > 0 && t.next_seq.is_some_and(|n| n > target) {
            break None;
        }
        if ctl.stop.load(Ordering::SeqCst) {
            break Some(format!("stopped at seq {:?}", t.next_seq));
        }
    };
    let pings = ws.pings;
    ws.close();
    SteadyReport {
        checks,
        pings,
        cut_short,
    }
}

/// What one churner did.
#[derive(Debug, Default)]
pub struct ChurnReport {
    pub sessions: u64,
    pub stalled: u64,
    pub lines: u64,
    pub gap_lines: u64,
    /// Sessions that failed a check or could not connect, with why (the first few).
    pub failures: u64,
    pub first_failures: Vec<String>,
}

/// Churner `n`: sessions until `ctl.stop_churn`.
pub fn spawn_churner(addr: SocketAddr, n: u64, ctl: Control) -> JoinHandle<ChurnReport> {
    std::thread::Builder::new()
        .name(format!("soak-churn-{n}"))
        .spawn(move || churn(addr, n, &ctl))
        .expect("spawn a churner")
}

fn churn(addr: SocketAddr, n: u64, ctl: &Control) -> ChurnReport {
    let mut report = ChurnReport::default();
    let mut last_seq = 0;
    let mut i = n;
    while !ctl.stop_churn.load(Ordering::SeqCst) && !ctl.stop.load(Ordering::SeqCst) {
        i += 1;
        let (query, from) = match i % 4 {
            0 => ("backlog=0".to_string(), StartAt::Live),
            1 | 3 => {
                let b = i * 397 % 5000;
                (format!("backlog={b}"), StartAt::Backlog(b))
            }
            _ => (format!("since=access:{last_seq}"), StartAt::Since(last_seq)),
        };
        let stall = n < STALLING && i % STALL_EVERY == 0;
        let stay = Duration::from_millis(200 + i * 7919 % 1300);
        match session(addr, &query, Tally::new(from), stay, stall, i % 2 == 0) {
            Ok(t) => {
                report.lines += t.lines;
                report.gap_lines += t.gap_lines;
                last_seq = t.next_seq.map_or(last_seq, |s| s - 1);
                if let Some(e) = t.error {
                    report.fail(format!("session {i} ({query}): {e}"));
                }
            }
            Err(e) => report.fail(format!("session {i} ({query}): {e}")),
        }
        report.sessions += 1;
        report.stalled += u64::from(stall);
    }
    report
}

impl ChurnReport {
    fn fail(&mut self, why: String) {
        self.failures += 1;
        if self.first_failures.len() < 3 {
            self.first_failures.push(why);
        }
    }
}

/// One churn session: connect, read for `stay`, and leave cleanly or not.
/// With `stall`, it stops reading for `STALL` after 100 ms, then reads for
/// `stay` (by then its place left the history: it gets a gap).
fn session(
    addr: SocketAddr,
    query: &str,
    mut t: Tally,
    stay: Duration,
    stall: bool,
    clean: bool,
) -> Result<Tally, String> {
    let mut ws = RawWs::connect(addr, query).map_err(|e| format!("connect: {e}"))?;
    if stall {
        read_for(&mut ws, &mut t, Duration::from_millis(100))?;
        std::thread::sleep(STALL);
    }
    read_for(&mut ws, &mut t, stay)?;
    if clean {
        ws.close()
    } else {
        ws.abort()
    }
    Ok(t)
}

fn read_for(ws: &mut RawWs, t: &mut Tally, dur: Duration) -> Result<(), String> {
    let until = Instant::now() + dur;
    while Instant::now() < until {
        match ws.pump(&mut |m| {
            t.take(m);
        }) {
            Ok(Pumped::Open) => {}
            Ok(Pumped::Closed) => return Err("closed by the server".into()),
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    Ok(())
}

/// Prints the steady readers' figures; their failures.
pub fn steady_verdicts(steady: &[SteadyReport], lines: u64) -> Vec<String> {
    let tallies: Vec<&Tally> = steady.iter().map(|r| r.checks.tally()).collect();
    let range = |f: &dyn Fn(&Tally) -> u64| {
        let v = tallies.iter().map(|t| f(t));
        (v.clone().min().unwrap_or(0), v.max().unwrap_or(0))
    };
    let (got, gap, gaps, frames) = (
        range(&|t| t.lines),
        range(&|t| t.gap_lines),
        range(&|t| t.gaps),
        range(&|t| t.frames),
    );
    println!(
        "steady clients ({}): lines received min {} max {}; lines skipped in gaps min {} max {} \
         ({}..{} gap frames); frames {}..{}; pings answered {}..{}",
        steady.len(),
        got.0,
        got.1,
        gap.0,
        gap.1,
        gaps.0,
        gaps.1,
        frames.0,
        frames.1,
        steady.iter().map(|r| r.pings).min().unwrap_or(0),
        steady.iter().map(|r| r.pings).max().unwrap_or(0),
    );
    if let Some(t) = tallies.first() {
        let mut events: Vec<_> = t.events.iter().collect();
        events.sort();
        println!("events seen by steady client 0: {events:?}");
    }
    let mut failures = Vec::new();
    for (i, r) in steady.iter().enumerate() {
        failures.extend(steady_failure(i, r, lines));
    }
    failures
}

/// Why steady reader `i` failed, if it did; prints a verifying reader's verdict.
fn steady_failure(i: usize, r: &SteadyReport, lines: u64) -> Option<String> {
    let t = r.checks.tally();
    if let Checks::Verify(v) = &r.checks {
        let verdict = v.verdict(lines);
        println!(
            "verifying client {i}: {} distinct lines, {} duplicates, {} out of order within their file, \
             {} bad; {} never received, {} reported in gaps: {}",
            v.unique,
            v.duplicates,
            v.out_of_order,
            v.bad,
            lines - v.unique.min(lines),
            t.gap_lines,
            verdict
                .as_ref()
                .map_or_else(|e| format!("FAILED: {e}"), |()| "exactly once".into())
        );
        if let Err(e) = verdict {
            return Some(format!("client {i}: {e}"));
        }
    }
    let why = if let Some(e) = &t.error {
        e.clone()
    } else if let Some(e) = &r.cut_short {
        format!("ended early: {e}")
    } else if t.first_seq.is_some_and(|s| s != 1) || t.accounted() != lines || t.next_seq != Some(lines + 1) {
        let (first, next) = (t.first_seq, t.next_seq);
        let (got, gap) = (t.lines, t.gap_lines);
        format!("received {got} + skipped {gap} of {lines} lines (first seq {first:?}, next {next:?})")
    } else {
        return None;
    };
    Some(format!("client {i}: {why}"))
}

/// Prints the churners' figures; their failures.
pub fn churn_verdicts(churn: &[ChurnReport]) -> Vec<String> {
    let sum = |f: &dyn Fn(&ChurnReport) -> u64| churn.iter().map(f).sum::<u64>();
    println!(
        "churning clients ({}): {} sessions ({} that stopped reading), {} lines received, {} skipped in gaps, {} failed",
        churn.len(),
        sum(&|c| c.sessions),
        sum(&|c| c.stalled),
        sum(&|c| c.lines),
        sum(&|c| c.gap_lines),
        sum(&|c| c.failures)
    );
    churn.iter().flat_map(|c| c.first_failures.iter().cloned()).collect()
}
