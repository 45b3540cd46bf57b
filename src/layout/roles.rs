//! What a field means: its type, told by its nginx variable's name, and the
//! role it plays for the statistics (the status, the request time, ...).

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
        match name {
            "time_local" | "time_iso8601" | "msec" => FieldType::Time,
            "remote_addr" | "realip_remote_addr" | "http_x_forwarded_for" | "upstream_addr" | "server_addr" => {
                FieldType::Address
            }
            "status" | "upstream_status" => FieldType::Status,
            "request_time" | "upstream_response_time" | "upstream_connect_time" | "upstream_header_time" => {
                FieldType::Duration
            }
            "body_bytes_sent" | "bytes_sent" | "request_length" | "connection" | "connection_requests" => {
                FieldType::Number
            }
            "request" => FieldType::Request,
            _ => FieldType::Text,
        }
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
    pub fn names(self) -> &'static [&'static str] {
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
