//! The printed result: one table with a target column, then notes.

use std::fmt::Write;

/// Whether a row's target was reached.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    /// The target needs a figure that this run did not measure.
    Unmeasured,
}

impl Verdict {
    pub fn of(met: bool) -> Verdict {
        if met { Verdict::Met } else { Verdict::Missed }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "MISSED",
            Verdict::Unmeasured => "not measured",
        }
    }
}

/// One measured figure, with frontail's beside it where there is one.
#[derive(Default)]
pub struct Row {
    pub workload: String,
    pub metric: String,
    pub logmon: String,
    pub frontail: String,
    pub ratio: String,
    pub target: String,
    pub verdict: Option<Verdict>,
}

impl Row {
    pub fn new(workload: &str, metric: &str, logmon: String) -> Row {
        Row {
            workload: workload.to_string(),
            metric: metric.to_string(),
            logmon,
            ..Row::default()
        }
    }

    pub fn frontail(mut self, value: String, ratio: String) -> Row {
        self.frontail = value;
        self.ratio = ratio;
        self
    }

    pub fn target(mut self, target: &str, verdict: Verdict) -> Row {
        self.target = target.to_string();
        self.verdict = Some(verdict);
        self
    }
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
    notes: Vec<String>,
}

const HEADER: [&str; 7] = [
    "workload",
    "metric",
    "logmon",
    "frontail",
    "logmon vs frontail",
    "target",
    "result",
];

impl Table {
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// Rows whose target was missed.
    pub fn missed(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| r.verdict == Some(Verdict::Missed))
            .map(|r| format!("{} {}: {} (target {})", r.workload, r.metric, r.logmon, r.target))
            .collect()
    }

    fn cells(r: &Row) -> [&str; 7] {
        let verdict = r.verdict.map_or("", Verdict::label);
        [
            &r.workload,
            &r.metric,
            &r.logmon,
            &r.frontail,
            &r.ratio,
            &r.target,
            verdict,
        ]
    }

    pub fn render(&self) -> String {
        let mut widths = HEADER.map(|h| h.chars().count());
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(Self::cells(r)) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: [&str; 7]| {
            let mut s = String::new();
            for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
                // Text columns left, figures right.
                let _ = if !(2..5).contains(&i) {
                    write!(s, "{c:<w$}  ")
                } else {
                    write!(s, "{c:>w$}  ")
                };
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(&mut out, HEADER);
        let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
        out.push_str(&"-".repeat(total));
        out.push('\n');
        let mut last_workload = "";
        for r in &self.rows {
            if !last_workload.is_empty() && r.workload != last_workload {
                out.push('\n');
            }
            last_workload = &r.workload;
            line(&mut out, Self::cells(r));
        }
        if !self.notes.is_empty() {
            out.push_str("\nnotes:\n");
            for n in &self.notes {
                let _ = writeln!(out, "- {n}");
            }
        }
        out
    }
}

/// `1.23 M/s`, `456 k/s`, `789 /s`.
pub fn rate(per_sec: f64) -> String {
    if per_sec >= 1e6 {
        format!("{:.2} M/s", per_sec / 1e6)
    } else if per_sec >= 1e3 {
        format!("{:.1} k/s", per_sec / 1e3)
    } else {
        format!("{per_sec:.0} /s")
    }
}

/// `1,000,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// A latency given in µs: `3.21 ms`, `2.59 s`.
pub fn ms(us: u64) -> String {
    if us >= 1_000_000 {
        format!("{:.2} s", us as f64 / 1e6)
    } else {
        format!("{:.2} ms", us as f64 / 1000.0)
    }
}

pub fn percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

/// Which way a figure is better.
#[derive(Clone, Copy)]
pub enum Better {
    Higher,
    Lower,
}

/// How logmon's `a` compares with frontail's `b`: `88× faster`, `12× less`,
/// `1.5× more`; empty when either side is missing.
pub fn versus(a: f64, b: f64, better: Better) -> String {
    if a <= 0.0 || b <= 0.0 {
        return String::new();
    }
    let (x, word) = match better {
        Better::Higher if a >= b => (a / b, "faster"),
        Better::Higher => (b / a, "slower"),
        Better::Lower if a <= b => (b / a, "less"),
        Better::Lower => (a / b, "more"),
    };
    if x >= 10.0 {
        format!("{x:.0}× {word}")
    } else {
        format!("{x:.1}× {word}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_get_separators() {
        assert_eq!(super::count(1_000_000), "1,000,000");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(10_000), "10,000");
    }
}
