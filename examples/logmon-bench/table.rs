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

/// One measured figure, with an earlier logmon's and frontail's beside it
/// where there are.
#[derive(Default)]
pub struct Row {
    pub workload: String,
    pub metric: String,
    /// The earlier binary's figure (`--before`).
    pub before: String,
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

const HEADER: [&str; 8] = [
    "workload",
    "metric",
    "before",
    "logmon",
    "frontail",
    "logmon vs frontail",
    "target",
    "result",
];
/// The columns of figures, right-aligned.
const FIGURES: std::ops::Range<usize> = 2..6;
/// The column of the earlier binary's figures, printed only when there are some.
const BEFORE: usize = 2;

impl Table {
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// `other`'s rows and notes after these.
    pub fn append(&mut self, mut other: Table) {
        self.rows.append(&mut other.rows);
        self.notes.append(&mut other.notes);
    }

    /// These rows with the figures of `earlier` (the same section, run
    /// with the earlier binary) beside them: each row takes the figure of
    /// the first row of `earlier` with its workload and metric not taken
    /// yet. `earlier`'s notes follow these, marked, but for those these have.
    pub fn beside(mut self, earlier: Table) -> Table {
        let mut rows: Vec<Option<Row>> = earlier.rows.into_iter().map(Some).collect();
        for r in &mut self.rows {
            let same = |e: &Option<Row>| {
                e.as_ref()
                    .is_some_and(|e| e.workload == r.workload && e.metric == r.metric)
            };
            if let Some(e) = rows.iter_mut().find(|e| same(e)).and_then(Option::take) {
                r.before = e.logmon;
            }
        }
        let notes: Vec<String> = earlier.notes.into_iter().filter(|n| !self.notes.contains(n)).collect();
        self.notes.extend(notes.into_iter().map(|n| format!("(before) {n}")));
        self
    }

    /// Rows whose target was missed.
    pub fn missed(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| r.verdict == Some(Verdict::Missed))
            .map(|r| format!("{} {}: {} (target {})", r.workload, r.metric, r.logmon, r.target))
            .collect()
    }

    fn cells(r: &Row) -> [&str; 8] {
        let verdict = r.verdict.map_or("", Verdict::label);
        [
            &r.workload,
            &r.metric,
            &r.before,
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
        if self.rows.iter().all(|r| r.before.is_empty()) {
            widths[BEFORE] = 0;
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: [&str; 8]| {
            let mut s = String::new();
            for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
                let _ = match (w, FIGURES.contains(&i)) {
                    (0, _) => Ok(()),
                    // Text columns left, figures right.
                    (_, false) => write!(s, "{c:<w$}  "),
                    (_, true) => write!(s, "{c:>w$}  "),
                };
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(&mut out, HEADER);
        let shown = widths.iter().filter(|&&w| w > 0);
        let total: usize = shown.clone().sum::<usize>() + 2 * (shown.count() - 1);
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
    use super::*;

    #[test]
    fn counts_get_separators() {
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(count(999), "999");
        assert_eq!(count(10_000), "10,000");
    }

    fn table(rows: &[(&str, &str, &str)], notes: &[&str]) -> Table {
        Table {
            rows: rows.iter().map(|&(w, m, v)| Row::new(w, m, v.to_string())).collect(),
            notes: notes.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn an_earlier_runs_figures_go_beside_the_rows_they_match() {
        let now = table(
            &[
                ("burst", "rate", "3 M/s"),
                ("burst", "rate", "2 M/s"),
                ("idle", "rss", "6 MiB"),
            ],
            &["a"],
        );
        let earlier = table(
            &[
                ("burst", "rate", "1 M/s"),
                ("burst", "cpu", "1 µs"),
                ("burst", "rate", "0.5 M/s"),
            ],
            &["a", "b"],
        );
        let both = now.beside(earlier);
        let before: Vec<&str> = both.rows.iter().map(|r| r.before.as_str()).collect();
        assert_eq!(before, ["1 M/s", "0.5 M/s", ""]);
        assert_eq!(both.notes, ["a", "(before) b"]);
        let text = both.render();
        assert!(text.lines().next().unwrap().contains("before"), "{text}");
        assert!(!table(&[("idle", "rss", "6 MiB")], &[]).render().contains("before"));
    }
}
