//! The one table of fields: what a field means, for layouts (`hello`'s
//! types), the statistics (roles), field terms (short names) and line
//! times (the time field).
//!
//! - [`TYPES`]: a field's type by its nginx variable's name;
//! - [`Role`]: the part a field plays for the statistics, and the
//!   variables that can play it, the preferred first;
//! - [`SHORT_NAMES`]: the names a filter may use for a field (`ip`,
//!   `rt`, ...) and the variables they read, the first with a value wins;
//! - [`time_field`]: which field of a line is its time, for `at=`, search
//!   bounds, the `time:` term and the UI alike;
//! - [`request_method`], [`request_path`]: a `$request`'s parts.
//!
//! The UI keeps copies (static/layout.js `TYPES`, static/fields.js
//! `ALIASES` and `TIME_NAMES`); a test here checks them against this table.

/// Field types by nginx variable name; any other name is `Text`.
pub const TYPES: &[(&str, FieldType)] = &[
    ("time_local", FieldType::Time),
    ("time_iso8601", FieldType::Time),
    ("msec", FieldType::Time),
    ("remote_addr", FieldType::Address),
    ("realip_remote_addr", FieldType::Address),
    ("http_x_forwarded_for", FieldType::Address),
    ("upstream_addr", FieldType::Address),
    ("server_addr", FieldType::Address),
    ("status", FieldType::Status),
    ("upstream_status", FieldType::Status),
    ("request_time", FieldType::Duration),
    ("upstream_response_time", FieldType::Duration),
    ("upstream_connect_time", FieldType::Duration),
    ("upstream_header_time", FieldType::Duration),
    ("body_bytes_sent", FieldType::Number),
    ("bytes_sent", FieldType::Number),
    ("request_length", FieldType::Number),
    ("connection", FieldType::Number),
    ("connection_requests", FieldType::Number),
    ("request", FieldType::Request),
];

/// The names a filter may give a field and the variables each reads, the
/// first that a line has with a value wins (`path`, `method` and `time`
/// are read otherwise: from `$request` and the time field).
pub const SHORT_NAMES: &[(&str, &[&str])] = &[
    ("host", Role::Host.names()),
    ("addr", &["remote_addr", "http_x_forwarded_for"]),
    ("ip", &["remote_addr", "http_x_forwarded_for"]),
    ("ua", Role::Ua.names()),
    ("ref", &["http_referer"]),
    ("status", Role::Status.names()),
    ("upstream", Role::Upstream.names()),
    ("rt", Role::RequestTime.names()),
    ("ut", Role::UpstreamTime.names()),
    ("bytes", Role::Bytes.names()),
];

/// Names a JSON log commonly gives its time, besides nginx's own.
pub const TIME_NAMES: [&str; 6] = ["time", "timestamp", "@timestamp", "ts", "datetime", "date"];

/// The time field among `fields` (name and type, in line order): the first
/// of type time, else the first with a usual time name.
pub fn time_field<'a>(fields: impl Iterator<Item = (&'a str, FieldType)> + Clone) -> Option<usize> {
    fields
        .clone()
        .position(|(_, ty)| ty == FieldType::Time)
        .or_else(|| fields.clone().position(|(name, _)| TIME_NAMES.contains(&name)))
}

/// A request line's method: before its first space; empty when it has none.
pub fn request_method(req: &[u8]) -> &[u8] {
    memchr::memchr(b' ', req).map_or(&req[..0], |a| &req[..a])
}

/// A request line's path without its query: between its first and last
/// space (`GET /a b HTTP/1.1` is `/a b`), after the only one (`GET /a`), or
/// all of a request without spaces.
pub fn request_path(req: &[u8]) -> &[u8] {
    let path = match memchr::memchr(b' ', req) {
        None => req,
        Some(a) => {
            let b = memchr::memrchr(b' ', req).unwrap_or(a);
            if b == a { &req[a + 1..] } else { &req[a + 1..b] }
        }
    };
    without_query(path)
}

/// A path without its query.
pub fn without_query(path: &[u8]) -> &[u8] {
    super::byte::find(path, b'?').map_or(path, |q| &path[..q])
}

/// A field's type, as `hello` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Time,
    Address,
    Status,
    Number,
    Duration,
    Request,
    Text,
}

impl FieldType {
    /// The type of nginx's variable `name` (without `$`).
    pub fn of(name: &str) -> FieldType {
        TYPES
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(FieldType::Text, |&(_, ty)| ty)
    }

    pub fn name(self) -> &'static str {
        match self {
            FieldType::Time => "time",
            FieldType::Address => "address",
            FieldType::Status => "status",
            FieldType::Number => "number",
            FieldType::Duration => "duration",
            FieldType::Request => "request",
            FieldType::Text => "text",
        }
    }
}

/// A part a field can play for the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Status,
    Bytes,
    Request,
    Method,
    Uri,
    Host,
    Addr,
    Forwarded,
    Ua,
    Upstream,
    RequestTime,
    UpstreamTime,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::Status,
        Role::Bytes,
        Role::Request,
        Role::Method,
        Role::Uri,
        Role::Host,
        Role::Addr,
        Role::Forwarded,
        Role::Ua,
        Role::Upstream,
        Role::RequestTime,
        Role::UpstreamTime,
    ];

    /// The variables that can play this role, the preferred first.
    pub const fn names(self) -> &'static [&'static str] {
        match self {
            Role::Status => &["status"],
            Role::Bytes => &["body_bytes_sent", "bytes_sent"],
            Role::Request => &["request"],
            Role::Method => &["request_method"],
            Role::Uri => &["request_uri", "uri"],
            Role::Host => &["host", "http_host", "server_name"],
            Role::Addr => &["remote_addr"],
            Role::Forwarded => &["http_x_forwarded_for"],
            Role::Ua => &["http_user_agent"],
            Role::Upstream => &["upstream_addr"],
            Role::RequestTime => &["request_time"],
            Role::UpstreamTime => &["upstream_response_time"],
        }
    }
}

/// For each role, the index of the field that plays it, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles([Option<u8>; Role::ALL.len()]);

impl Roles {
    /// The roles of fields named `names`, in order.
    pub fn of<'a>(names: impl Iterator<Item = &'a str> + Clone) -> Roles {
        let mut roles = Roles::default();
        for role in Role::ALL {
            let found = role
                .names()
                .iter()
                .find_map(|want| names.clone().position(|n| n == *want));
            roles.0[role as usize] = found.and_then(|i| u8::try_from(i).ok());
        }
        roles
    }

    /// The index of the field that plays `role`.
    pub fn get(&self, role: Role) -> Option<usize> {
        self.0[role as usize].map(usize::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `'name': 'value'` or `name: ['a', 'b']` entries of the object
    /// literal `const NAME = {` in `js`, and a `new Set([...])`'s strings.
    fn js_entries(js: &str, start: &str) -> Vec<(String, Vec<String>)> {
        let body = &js[js.find(start).unwrap_or_else(|| panic!("{start}")) + start.len()..];
        let body = &body[..body.find("};").expect("the object's end")];
        let (mut out, mut rest) = (Vec::new(), body);
        while let Some((key, after)) = rest.split_once(':') {
            let after = after.trim_start();
            let end = match after.starts_with('[') {
                true => after.find(']').expect("the list's end") + 1,
                false => after.find(',').unwrap_or(after.len()),
            };
            let strings = after[..end].split('\'').skip(1).step_by(2).map(String::from).collect();
            let key = key.trim_matches(|c: char| c == ',' || c == '\'' || c.is_whitespace());
            out.push((key.to_string(), strings));
            rest = &after[end..];
        }
        out
    }

    #[test]
    fn the_uis_copies_are_this_table() {
        let types = js_entries(include_str!("../../static/layout.js"), "export const TYPES = {");
        let want: Vec<(String, Vec<String>)> = TYPES
            .iter()
            .map(|(n, ty)| (n.to_string(), vec![ty.name().to_string()]))
            .collect();
        assert_eq!(types, want, "static/layout.js TYPES");
        let fields = include_str!("../../static/fields.js");
        let aliases = js_entries(fields, "export const ALIASES = {");
        let want: Vec<(String, Vec<String>)> = SHORT_NAMES
            .iter()
            .map(|(n, f)| (n.to_string(), f.iter().map(|s| s.to_string()).collect()))
            .collect();
        assert_eq!(aliases, want, "static/fields.js ALIASES");
        let set = fields.split("const TIME_NAMES = new Set([").nth(1).expect("TIME_NAMES");
        let names: Vec<&str> = set[..set.find("])").unwrap()].split('\'').skip(1).step_by(2).collect();
        assert_eq!(names, TIME_NAMES, "static/fields.js TIME_NAMES");
    }

    #[test]
    fn the_time_field_is_a_time_variable_else_a_usual_name() {
        let f = |names: &[&'static str]| time_field(names.iter().map(|&n| (n, FieldType::of(n))));
        assert_eq!(f(&["ts", "status", "msec"]), Some(2));
        assert_eq!(f(&["status", "timestamp", "ts"]), Some(1));
        assert_eq!(f(&["status", "when"]), None);
    }

    #[test]
    fn a_requests_method_and_path() {
        assert_eq!(request_method(b"GET /a?b HTTP/1.1"), b"GET");
        assert_eq!(request_path(b"GET /a?b HTTP/1.1"), b"/a");
        assert_eq!(request_path(b"GET /a b HTTP/1.1"), b"/a b", "a path with a space");
        assert_eq!(request_path(b"GET /a"), b"/a");
        assert_eq!(request_method(b"\x16\x03"), b"");
    }
}
