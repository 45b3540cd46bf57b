//! Counting a report's lines: each line is split once by the stream's
//! layout, and its values go to the totals, the status counts, the
//! latency histograms, the hours, the series and the panels.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::ops::Range;
use std::sync::Arc;

use super::agent::Agents;
use super::panel::{self, Panel};
use super::request;
use super::series::Series;
use crate::archive::time;
use crate::layout::{FieldType, Kind, Layout, Role, json};
use crate::protocol::report::{Item, Panels, Report, SeriesPoint, Tally};
use crate::stats::histogram::Histogram;
use crate::stats::values::{self, Values};

/// Distinct visitors a report holds at most (a hash each).
pub const MAX_VISITORS: usize = 500_000;

/// The fields a report reads beyond the statistics' roles.
struct Extra {
    referrer: Option<usize>,
    protocol: Option<usize>,
    time: Option<usize>,
}

/// What a line says beyond its roles.
#[derive(Default)]
struct More<'a> {
    referrer: Option<&'a [u8]>,
    protocol: Option<&'a [u8]>,
    /// The time field's name and value.
    time: Option<(&'a str, &'a [u8])>,
}

/// The counts of the lines seen so far.
pub struct Counter {
    pub(super) layout: Arc<Layout>,
    extra: Extra,
    spans: Vec<Range<usize>>,
    pairs: Vec<(String, String)>,
    url: Vec<u8>,
    agents: Agents,
    visitors: HashSet<u64, foldhash::fast::FixedState>,
    visitors_full: bool,
    sums: Sums,
}

#[derive(Default)]
struct Sums {
    requests: u64,
    valid: u64,
    bad: u64,
    bytes: u64,
    first: Option<f64>,
    last: Option<f64>,
    status: Vec<u64>,
    rt: Histogram,
    ut: Histogram,
    hours: [Tally; 24],
    series: Series,
    requests_panel: Panel,
    statics: Panel,
    not_found: Panel,
    hosts: Panel,
    sites: Panel,
    vhosts: Panel,
    bandwidth: Panel,
}

impl Counter {
    pub fn new(layout: Arc<Layout>) -> Counter {
        let index = |name: &str| layout.fields.iter().position(|f| f.name == name);
        let extra = Extra {
            referrer: index("http_referer"),
            protocol: index("server_protocol"),
            time: layout.fields.iter().position(|f| f.ty == FieldType::Time),
        };
        Counter {
            extra,
            layout,
            spans: Vec::new(),
            pairs: Vec::new(),
            url: Vec::new(),
            agents: Agents::default(),
            visitors: HashSet::default(),
            visitors_full: false,
            sums: Sums {
                status: vec![0; 500],
                ..Sums::default()
            },
        }
    }

    /// Counts one line.
    pub fn line(&mut self, line: &[u8]) {
        self.sums.requests += 1;
        let layout = self.layout.clone();
        match layout.kind {
            Kind::Text if layout.split(line, &mut self.spans) => {
                let spans = std::mem::take(&mut self.spans);
                let v = Values::of_fields(&layout.roles, line, &spans);
                let at = |i: Option<usize>| i.and_then(|i| spans.get(i)).map(|s| &line[s.clone()]);
                let more = More {
                    referrer: at(self.extra.referrer),
                    protocol: at(self.extra.protocol),
                    time: self
                        .extra
                        .time
                        .zip(at(self.extra.time))
                        .map(|(i, v)| (&*layout.fields[i].name, v)),
                };
                self.add(&v, &more);
                self.spans = spans;
            }
            Kind::Json => self.json(line),
            Kind::Text => self.bad(line),
            Kind::Error | Kind::Plain => {
                self.sums.valid += 1;
                if let Some(p) = self.when(time::of_line(&layout, line)) {
                    p.n += 1;
                }
            }
        }
    }

    fn json(&mut self, line: &[u8]) {
        let mut pairs = std::mem::take(&mut self.pairs);
        if json::pairs(line, &mut pairs) {
            let texts = values::json_texts_of(&pairs);
            let v = Values::of_json(&texts);
            let get = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_bytes());
            let time = ["time_iso8601", "time_local", "msec"]
                .into_iter()
                .find_map(|n| get(n).map(|v| (n, v)));
            let more = More {
                referrer: get("http_referer"),
                protocol: get("server_protocol"),
                time,
            };
            self.add(&v, &more);
        } else {
            self.bad(line);
        }
        self.pairs = pairs;
    }

    fn bad(&mut self, line: &[u8]) {
        self.sums.bad += 1;
        if let Some(p) = self.when(time::of_line(&self.layout, line)) {
            p.bad += 1;
        }
    }

    /// The series' point of time `t`, if the line has a time; the first and last times move.
    fn when(&mut self, t: Option<f64>) -> Option<&mut SeriesPoint> {
        let (s, t) = (&mut self.sums, t?);
        s.first = Some(s.first.map_or(t, |f| f.min(t)));
        s.last = Some(s.last.map_or(t, |l| l.max(t)));
        Some(s.series.at(t.max(0.0) as u64))
    }

    fn add(&mut self, v: &Values, more: &More) {
        let t = more
            .time
            .and_then(|(n, v)| time::by_name(n, std::str::from_utf8(v).ok()?));
        let status = v.get(Role::Status).and_then(values::status);
        let bytes = v.get(Role::Bytes).and_then(values::number).unwrap_or(0);
        if let Some(point) = self.when(t) {
            point.n += 1;
            point.bytes += bytes;
            if let Some(st) = status {
                point.classes[usize::from(st / 100 - 1)] += 1;
            }
        }
        let s = &mut self.sums;
        s.valid += 1;
        s.bytes += bytes;
        if let Some(st) = status {
            s.status[usize::from(st - 100)] += 1;
        }
        v.get(Role::RequestTime)
            .and_then(values::millis)
            .inspect(|&ms| s.rt.add(ms));
        v.get(Role::UpstreamTime)
            .and_then(values::sum_millis)
            .inspect(|&ms| s.ut.add(ms));
        let (day, hour) = day_and_hour(more.time, t);
        if let Some(h) = hour {
            s.hours[h].hits += 1;
            s.hours[h].bytes += bytes;
        }
        let addr = v.addr();
        if let Some(a) = addr {
            s.hosts.add(a, bytes);
        }
        if let Some(site) = more.referrer.and_then(request::site) {
            s.sites.add(site, bytes);
        }
        if let Some(h) = v.get(Role::Host) {
            s.vhosts.add(h, bytes);
        }
        if let Some(ua) = v.get(Role::Ua) {
            self.agents.add(ua, bytes);
        }
        self.request(v, more, status, bytes);
        if !status.is_some_and(|st| (400..500).contains(&st)) {
            self.visitor(addr, day, v.get(Role::Ua));
        }
    }

    /// The request's panel: static files, 404s or the others; and the bandwidth by path.
    fn request(&mut self, v: &Values, more: &More, status: Option<u16>, bytes: u64) {
        let (method, uri) = (v.get(Role::Method), v.get(Role::Uri));
        let parts = match (method, uri) {
            (Some(m), Some(u)) => Some((m, u, more.protocol.unwrap_or(b"-"))),
            _ => v.get(Role::Request).and_then(request::parts),
        };
        let key = &mut self.url;
        key.clear();
        let url = match parts {
            Some((m, u, p)) => {
                key.extend_from_slice(m);
                key.push(0);
                key.extend_from_slice(request::protocol(p));
                key.push(0);
                let start = key.len();
                request::decode(u, key);
                start
            }
            None => {
                key.extend_from_slice(b"\0\0-");
                2
            }
        };
        let s = &mut self.sums;
        let panel = match status {
            Some(404) => &mut s.not_found,
            _ if request::is_static(&key[url..]) => &mut s.statics,
            _ => &mut s.requests_panel,
        };
        panel.add(key, bytes);
        if let (_, Some(path)) = v.method_and_path() {
            s.bandwidth.add(path, bytes);
        }
    }

    fn visitor(&mut self, addr: Option<&[u8]>, day: Option<Day>, ua: Option<&[u8]>) {
        let seed = foldhash::fast::FixedState::with_seed(0x6c6f676d6f6e);
        let key = seed.hash_one((addr.unwrap_or(b"-"), day, ua.unwrap_or(b"-")));
        if self.visitors.len() < MAX_VISITORS || self.visitors.contains(&key) {
            self.visitors.insert(key);
        } else {
            self.visitors_full = true;
        }
    }

    /// Bytes held, about.
    pub fn memory(&self) -> usize {
        let s = &self.sums;
        let panels = [
            &s.requests_panel,
            &s.statics,
            &s.not_found,
            &s.hosts,
            &s.sites,
            &s.vhosts,
            &s.bandwidth,
        ];
        let panels: usize = panels.iter().map(|p| p.memory()).sum();
        panels + self.agents.memory() + self.visitors.capacity() * 9 + (s.rt.memory() + s.ut.memory())
    }

    /// The report of the lines counted, with the `top` values of each panel.
    pub fn report(&self, top: usize) -> Report {
        let s = &self.sums;
        let (os, browsers) = self.agents.panels(top);
        let panels = Panels {
            requests: s.requests_panel.top(top, request_item),
            statics: s.statics.top(top, request_item),
            not_found: s.not_found.top(top, request_item),
            hosts: s.hosts.top(top, panel::text),
            referring_sites: s.sites.top(top, panel::text),
            os,
            browsers,
            vhosts: s.vhosts.top(top, panel::text),
            bandwidth: bandwidth(&s.bandwidth, top),
        };
        Report {
            first: s.first,
            last: s.last,
            requests: s.requests,
            valid: s.valid,
            bad: s.bad,
            visitors: self.visitors.len() as u64,
            visitors_exact: !self.visitors_full,
            bytes: s.bytes,
            status: (100u16..)
                .zip(s.status.iter().copied())
                .filter(|(_, n)| *n > 0)
                .collect(),
            rt: s.rt.percentiles(),
            ut: s.ut.percentiles(),
            hours: s.hours.to_vec(),
            series: s.series.message(),
            panels,
            memory: self.memory() as u64,
            ..Report::default()
        }
    }
}

/// The bandwidth panel: the paths that sent the most bytes.
fn bandwidth(p: &Panel, top: usize) -> crate::protocol::report::Panel {
    let mut all = p.top(usize::MAX, panel::text);
    all.items
        .sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.value.cmp(&b.value)));
    all.items.truncate(top);
    all
}

/// A request panel's item from its key: method, protocol and URL, `\0` between them.
fn request_item(key: &[u8]) -> Item {
    let mut parts = key.splitn(3, |&b| b == 0);
    let text = |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
    let (method, protocol) = (text(parts.next()), text(parts.next()));
    Item {
        value: text(parts.next()),
        method,
        protocol,
        ..Item::default()
    }
}

/// A line's date (as the line writes it, for visitors) and hour of the day.
#[derive(Hash, Clone, Copy)]
enum Day<'a> {
    Written(&'a [u8]),
    Utc(u64),
}

fn day_and_hour<'a>(time: Option<(&str, &'a [u8])>, t: Option<f64>) -> (Option<Day<'a>>, Option<usize>) {
    let hour = |h: &[u8]| {
        let n = values::number(h)? as usize;
        (h.len() == 2 && n < 24).then_some(n)
    };
    match time {
        // 07/Dec/2026:01:00:00 +0000
        Some(("time_local", v)) if v.len() >= 14 => (Some(Day::Written(&v[..11])), hour(&v[12..14])),
        // 2026-12-07T01:00:00+00:00
        Some(("time_iso8601", v)) if v.len() >= 13 => (Some(Day::Written(&v[..10])), hour(&v[11..13])),
        _ => match t {
            Some(t) if t >= 0.0 => {
                let s = t as u64;
                (Some(Day::Utc(s / 86_400)), Some((s % 86_400 / 3600) as usize))
            }
            _ => (None, None),
        },
    }
}
