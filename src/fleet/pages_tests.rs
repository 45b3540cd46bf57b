//! The merge of hosts' pages, without NATS or files: each host is a list
//! of line times that answers `before`, `after`, `around` and `at` as an
//! agent's `/history` does (cursors are `seq:N`, the line's index).

use proptest::prelude::*;

use super::*;

/// A host's file: its lines' times, oldest first, and the most lines its
/// pages hold (an agent's page stops early at its bytes).
struct Host {
    name: String,
    times: Vec<Option<f64>>,
    cap: usize,
}

impl Host {
    fn line(&self, i: usize) -> PageLine {
        PageLine {
            text: format!("{} {i}", self.name),
            cursor: format!("seq:{i}"),
            time: self.times[i],
            seq: Some(i as u64),
            stream: None,
        }
    }

    /// The page of lines `range`, `index` into it, as an agent gives it.
    fn page(&self, range: std::ops::Range<usize>, index: Option<usize>) -> Page {
        let lines: Vec<PageLine> = range.clone().map(|i| self.line(i)).collect();
        let end = self.times.len();
        Page {
            stream: "access".into(),
            before: lines.first().filter(|_| range.start > 0).map(|l| l.cursor.clone()),
            after: lines.last().filter(|_| range.end < end).map(|l| l.cursor.clone()),
            lines,
            index,
            failed: Vec::new(),
        }
    }

    /// The answer to `query` (`http/history.rs` on an agent).
    fn answer(&self, query: &str) -> Page {
        let parts = Parts::parse(query).unwrap();
        let (n, limit) = (self.times.len(), parts.limit.min(self.cap));
        let at = |v: &str| v.strip_prefix("seq:").unwrap().parse::<usize>().unwrap();
        let around = |i: usize| {
            let lo = i.saturating_sub(limit / 2);
            let hi = (i + limit - (i - lo)).min(n);
            self.page(lo..hi, (hi > i).then_some(i - lo))
        };
        match parts.key.as_str() {
            "before" => {
                let i = at(&parts.value);
                self.page(i.saturating_sub(limit)..i, None)
            }
            "after" => {
                let i = at(&parts.value) + 1;
                self.page(i..(i + limit).min(n), None)
            }
            "around" => around(at(&parts.value)),
            _ => {
                let t: f64 = parts.value.parse().unwrap();
                match (0..n).find(|&i| self.times[i].is_some_and(|x| x >= t)) {
                    Some(i) => around(i),
                    None => self.page(n.saturating_sub(limit)..n, None),
                }
            }
        }
    }
}

/// The merged page for `toward` over `hosts`, as `history_all` makes it.
fn merged(hosts: &[Host], toward: &Toward, limit: usize) -> Page {
    let asks: Vec<(usize, HostAsk)> = match toward {
        Toward::Back(gaps) => gaps
            .iter()
            .map(|g| (find(hosts, &g.host), HostAsk::Back(g.clone())))
            .collect(),
        Toward::Forward(gaps) => (gaps.iter())
            .map(|g| (find(hosts, &g.host), HostAsk::Forward(g.clone())))
            .collect(),
        Toward::At(t) => (0..hosts.len()).map(|i| (i, HostAsk::At(*t))).collect(),
    };
    let parts = (asks.iter())
        .map(|(i, ask)| {
            let page = hosts[*i].answer(&ask.query(&format!("{}/access", hosts[*i].name), limit));
            Part::new(&hosts[*i].name, "access", ask, page).unwrap()
        })
        .collect();
    page("*/access", toward, limit, parts, Vec::new(), Vec::new())
}

fn find(hosts: &[Host], name: &str) -> usize {
    hosts.iter().position(|h| h.name == name).unwrap()
}

fn names(hosts: &[Host]) -> Vec<String> {
    hosts.iter().map(|h| h.name.clone()).collect()
}

/// (host, line index) of a merged page's lines.
fn ids(page: &Page) -> Vec<(String, usize)> {
    (page.lines.iter())
        .map(|l| {
            let host = l.stream.as_deref().unwrap().split_once('/').unwrap().0.to_string();
            (host, l.seq.unwrap() as usize)
        })
        .collect()
}

/// Every line read from a jump to `t`: back page by page to the oldest,
/// and forward to the newest, in page order.
fn read_all(hosts: &[Host], t: f64, limit: usize) -> Vec<(String, usize)> {
    let first = merged(hosts, &Toward::At(t), limit);
    let mut all = ids(&first);
    let mut before = first.before.clone();
    let mut steps = 0;
    while let Some(gaps) = before {
        let page = merged(hosts, &Toward::Back(parse_gaps(&gaps, &names(hosts)).unwrap()), limit);
        all.splice(0..0, ids(&page));
        before = page.before;
        steps += 1;
        assert!(steps < 1000, "paging back does not end");
    }
    let mut after = first.after;
    while let Some(gaps) = after {
        let page = merged(
            hosts,
            &Toward::Forward(parse_gaps(&gaps, &names(hosts)).unwrap()),
            limit,
        );
        all.extend(ids(&page));
        after = page.after;
        steps += 1;
        assert!(steps < 2000, "paging forward does not end");
    }
    all
}

fn hosts_of_times(times: Vec<Vec<Option<f64>>>) -> Vec<Host> {
    capped(times.into_iter().map(|t| (t, usize::MAX)).collect())
}

fn capped(hosts: Vec<(Vec<Option<f64>>, usize)>) -> Vec<Host> {
    (hosts.into_iter().enumerate())
        .map(|(k, (times, cap))| Host {
            name: format!("web-{k}"),
            times,
            cap,
        })
        .collect()
}

/// Each host's lines' times, non-decreasing, some without a time when
/// `untimed`, and the most lines its pages hold.
fn fleet(untimed: bool) -> impl Strategy<Value = Vec<(Vec<Option<f64>>, usize)>> {
    let host = prop::collection::vec((0u8..4, any::<bool>()), 0..40).prop_map(move |steps| {
        let mut t = 1000.0;
        (steps.into_iter())
            .map(|(dt, none)| {
                t += f64::from(dt);
                (!(untimed && none)).then_some(t)
            })
            .collect()
    });
    prop::collection::vec((host, 1usize..12), 1..5)
}

proptest! {
    #[test]
    fn paging_both_ways_from_a_jump_reads_every_line_once_in_time_order(
        times in fleet(false), t in 990.0f64..1200.0, limit in 1usize..12,
    ) {
        let hosts = capped(times);
        let all = read_all(&hosts, t, limit);
        let mut want: Vec<(String, usize)> = (hosts.iter())
            .flat_map(|h| (0..h.times.len()).map(move |i| (h.name.clone(), i)))
            .collect();
        let mut got = all.clone();
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
        let time = |(h, i): &(String, usize)| hosts[find(&hosts, h)].times[*i].unwrap();
        for pair in all.windows(2) {
            prop_assert!(time(&pair[0]) <= time(&pair[1]), "{:?} before {:?}", pair[0], pair[1]);
        }
    }

    #[test]
    fn lines_without_a_time_keep_their_host_s_order(
        times in fleet(true), t in 990.0f64..1200.0, limit in 1usize..12,
    ) {
        let hosts = capped(times);
        let all = read_all(&hosts, t, limit);
        prop_assert_eq!(all.len(), hosts.iter().map(|h| h.times.len()).sum::<usize>());
        for h in &hosts {
            let mine: Vec<usize> = all.iter().filter(|(n, _)| *n == h.name).map(|(_, i)| *i).collect();
            prop_assert_eq!(mine, (0..h.times.len()).collect::<Vec<_>>());
        }
    }
}

#[test]
fn a_jump_lands_on_the_first_line_at_its_time_across_hosts() {
    let hosts = hosts_of_times(vec![
        vec![Some(10.0), Some(20.0), Some(30.0)],
        vec![Some(15.0), Some(25.0), Some(35.0)],
    ]);
    let page = merged(&hosts, &Toward::At(22.0), 4);
    let got: Vec<f64> = page.lines.iter().map(|l| l.time.unwrap()).collect();
    assert_eq!(got, [15.0, 20.0, 25.0, 30.0]);
    assert_eq!(page.index, Some(2));
    assert_eq!(page.lines[2].stream.as_deref(), Some("web-1/access"));
    // web-1's oldest line is in: it has nothing older.
    assert_eq!(page.before.as_deref(), Some("web-0:-seq:1"));
    assert_eq!(page.after.as_deref(), Some("web-0:+seq:2,web-1:+seq:1"));
}

#[test]
fn the_live_end_is_reached_when_every_host_s_newest_line_is_in() {
    let hosts = hosts_of_times(vec![vec![Some(10.0), Some(20.0)], vec![Some(15.0)]]);
    let page = merged(&hosts, &Toward::At(0.0), 10);
    assert_eq!(page.lines.len(), 3);
    assert_eq!((page.before, page.after), (None, None));
}

#[test]
fn paging_back_from_live_lines_starts_at_each_host_s_line_number() {
    let hosts = hosts_of_times(vec![
        vec![Some(10.0), Some(20.0), Some(30.0)],
        vec![Some(15.0), Some(25.0)],
    ]);
    let gaps = parse_gaps("web-0:-seq:2,web-1:-seq:1", &names(&hosts)).unwrap();
    let page = merged(&hosts, &Toward::Back(gaps), 10);
    assert_eq!(
        ids(&page),
        [("web-0".into(), 0), ("web-1".into(), 0), ("web-0".into(), 1)]
    );
    assert_eq!(page.before, None);
    assert_eq!(page.after.as_deref(), Some("web-0:+seq:1,web-1:+seq:0"));
}

#[test]
fn a_gap_after_a_line_pages_back_with_that_line() {
    let hosts = hosts_of_times(vec![vec![Some(10.0), Some(20.0), Some(30.0)]]);
    let gaps = parse_gaps("web-0:+seq:1", &names(&hosts)).unwrap();
    let page = merged(&hosts, &Toward::Back(gaps), 10);
    assert_eq!(ids(&page), [("web-0".into(), 0), ("web-0".into(), 1)]);
    let gaps = parse_gaps("web-0:-seq:1", &names(&hosts)).unwrap();
    let page = merged(&hosts, &Toward::Forward(gaps), 10);
    assert_eq!(ids(&page), [("web-0".into(), 1), ("web-0".into(), 2)]);
    assert_eq!(page.after, None);
}

#[test]
fn a_merged_place_is_checked() {
    let hosts = ["web-1".to_string(), "web-2".to_string()];
    let wrong = |text: &str| parse_gaps(text, &hosts).unwrap_err().reason().to_string();
    assert!(wrong("web-1").contains("HOST:-PLACE"));
    assert!(wrong("web-1:seq:1").contains("HOST:-PLACE"));
    assert!(wrong("web-9:-seq:1").contains("no host"));
    assert!(wrong("web-1:-seq:1,web-1:+seq:2").contains("twice"));
    assert!(wrong("web-1:-seq:x").contains("line number"));
    assert!(wrong("web-1:-zz").starts_with("web-1: "));
    assert!(wrong("").contains("HOST:-PLACE"));
    let gaps = parse_gaps("web-1:-seq:1,web-2:+seq:2", &hosts).unwrap();
    assert_eq!(encode_gaps(&gaps).as_deref(), Some("web-1:-seq:1,web-2:+seq:2"));
}

#[test]
fn a_merged_page_stops_at_its_bytes() {
    let hosts = hosts_of_times(vec![vec![Some(10.0); 50], vec![Some(10.0); 50]]);
    let ask = HostAsk::At(0.0);
    let mut parts: Vec<Part> = (hosts.iter())
        .map(|h| Part::new(&h.name, "access", &ask, h.answer("stream=x&at=0&limit=40")).unwrap())
        .collect();
    let one = weight(&hosts[0].line(0), "web-0/access");
    let (taken, older) = merge(&mut parts, 0, 40, 3 * one);
    assert_eq!((taken.len(), older), (3, 0));
}
