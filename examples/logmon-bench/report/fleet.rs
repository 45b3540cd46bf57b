//! The fleet section's rows: latency from a write on an agent's host to a
//! viewer's client, each process's CPU (an agent's per line beside a
//! logmon's without `[fleet]`), the lines missing or received twice, and
//! with nats-server killed, the catch-up after its restart.

use super::{cpu_rows, micros, saturation_note};
use crate::fleet::{self, FleetRun, Fleets, HOSTS};
use crate::servers;
use crate::table::{self, Row, Table, Verdict};

pub fn fleet(table: &mut Table, f: Option<&Fleets>) {
    let Some(f) = f else {
        table.note(format!(
            "fleet: skipped: {} is not installed (apt-get install nats-server)",
            servers::NATS_SERVER
        ));
        return;
    };
    let w = workload(&f.steady);
    latency_rows(table, &w, &f.steady);
    cpu_per_line_rows(table, &w, &f.steady);
    delivery_rows(table, &w, &f.steady);
    cpu_rows(table, &w, &f.steady.span, None);
    run_notes(table, &w, &f.steady);
    outage(table, &f.outage);
    table.note(format!(
        "fleet: each client follows one host's stream on the viewer (clients spread evenly over {} hosts); latency is from just before the line's write(2) on the agent's host to the client's receipt of its frame; CPU per line is a process's CPU over the writing over the lines written into one file; server CPU is every logmon and nats-server together, log writer CPU the {} writers'",
        HOSTS.len(),
        HOSTS.len() + 1
    ));
}

fn workload(r: &FleetRun) -> String {
    format!(
        "fleet: {} agents × {} lines/s for {:.0} s → viewer → {} clients",
        HOSTS.len(),
        table::count(r.rate),
        r.secs,
        r.clients
    )
}

fn latency_rows(table: &mut Table, w: &str, r: &FleetRun) {
    for (metric, q) in [("latency p50", 0.5), ("latency p99", 0.99), ("latency max", 1.0)] {
        let v = r.quantile(q);
        let text = v.map_or_else(|| format!("> {} s", fleet::DRAIN.as_secs()), table::ms);
        table.push(Row::new(w, metric, text));
    }
}

/// Each agent's CPU per line, the plain logmon's, their difference, the viewer's and nats-server's.
fn cpu_per_line_rows(table: &mut Table, w: &str, r: &FleetRun) {
    let per_line = |cpu| micros(r.per_line_us(cpu));
    for (host, &cpu) in HOSTS.iter().zip(&r.cpu.agents) {
        table.push(Row::new(
            w,
            &format!("agent {host}: CPU per line written"),
            per_line(cpu),
        ));
    }
    let plain = r.per_line_us(r.cpu.plain);
    table.push(Row::new(
        w,
        "logmon without [fleet]: CPU per line written",
        micros(plain),
    ));
    let agents = r.cpu.agents.iter().map(|&c| r.per_line_us(c)).sum::<f64>() / HOSTS.len() as f64;
    table.push(Row::new(
        w,
        "publishing: CPU per line (agents − without)",
        micros(agents - plain),
    ));
    let viewer = r.cpu.viewer.as_secs_f64();
    let read = micros(r.per_line_us(r.cpu.viewer) / HOSTS.len() as f64);
    table.push(Row::new(w, "viewer: CPU per line read from NATS", read));
    let delivered = micros(viewer * 1e6 / r.got.distinct().max(1) as f64);
    table.push(Row::new(w, "viewer: CPU per delivered line", delivered));
    let share = |cpu: f64| table::percent(cpu / r.span.wall.as_secs_f64());
    table.push(Row::new(w, "viewer: CPU (% of a core)", share(viewer)));
    if let Some(nats) = r.cpu.nats {
        table.push(Row::new(w, "nats-server: CPU (% of a core)", share(nats.as_secs_f64())));
        let per = micros(r.per_line_us(nats) / HOSTS.len() as f64);
        table.push(Row::new(w, "nats-server: CPU per line", per));
    }
}

/// Lines the agents published from disk; lines missing and duplicated at the clients.
fn delivery_rows(table: &mut Table, w: &str, r: &FleetRun) {
    table.push(Row::new(
        w,
        "agents: lines published from disk",
        table::count(r.from_disk),
    ));
    let (missing, duplicated) = (r.missing(), r.got.duplicated);
    let text = format!("{} / {}", table::count(missing), table::count(duplicated));
    let met = Verdict::of(missing == 0 && duplicated == 0);
    table.push(Row::new(w, "lines missing / duplicated at the clients", text).target("0 / 0", met));
}

/// The run with nats-server killed: the catch-up, latency and delivery.
fn outage(table: &mut Table, r: &FleetRun) {
    let Some(crash) = &r.crash else { return };
    let w = format!(
        "{}, nats-server killed at {:.1} s for {} s",
        workload(r),
        crash.at,
        fleet::OUTAGE.as_secs()
    );
    let catch_up = crash
        .catch_up
        .map_or_else(|| "never".to_string(), |d| format!("{:.2} s", d.as_secs_f64()));
    table.push(Row::new(&w, "catch-up after the restart", catch_up));
    latency_rows(table, &w, r);
    delivery_rows(table, &w, r);
    run_notes(table, &w, r);
    table.note(format!(
        "{w}: the catch-up is from nats-server's restart (same port and store) until every client has every line written before it; nats-server's CPU is among the other processes'"
    ));
}

/// Lines announced as skipped, frames out of sequence, a saturated machine.
fn run_notes(table: &mut Table, w: &str, r: &FleetRun) {
    if r.got.skipped > 0 {
        table.note(format!(
            "{w}: {} lines announced as skipped (gap frames), counted as missing",
            table::count(r.got.skipped)
        ));
    }
    if r.got.seq_errors > 0 {
        table.note(format!("{w}: {} frames out of sequence", r.got.seq_errors));
    }
    saturation_note(table, w, &r.span);
}
