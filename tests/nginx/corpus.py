#!/usr/bin/env python3
"""Real-world log_formats, as published in public nginx configurations.

    corpus.py conf          prints the log_format directives for nginx.conf

Each entry is (name, escape, format, source). The formats are copied as
their sources write them (variables that only their own setup defines, such
as ingress-nginx's $proxy_upstream_name, are set by run.sh's servers); the
test's own reading of each (formats.py) is built from the format string and
nginx's documentation of each variable, not from logmon's layouts.
"""

import sys

CORPUS = [
    (
        "combined", "default",
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent"',
        "nginx's built-in `combined` (nginx.org, ngx_http_log_module); Debian's "
        "/etc/nginx/nginx.conf writes /var/log/nginx/access.log in it, and Elastic "
        "Filebeat's nginx module and GoAccess's COMBINED preset expect it",
    ),
    (
        "upstreaminfo", "default",
        '$remote_addr - $remote_user [$time_local] "$request" '
        '$status $body_bytes_sent "$http_referer" "$http_user_agent" '
        '$request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr '
        '$upstream_response_length $upstream_response_time $upstream_status $req_id',
        "Kubernetes ingress-nginx's default (kubernetes/ingress-nginx, "
        "docs/user-guide/nginx-configuration/log-format.md): unquoted upstream lists",
    ),
    (
        "upstream_time", "default",
        '$remote_addr - $remote_user [$time_local] '
        '"$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" '
        'rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time"',
        "NGINX's blog \"Using NGINX Logging for Application Performance Monitoring\" "
        "(nginx.com), the format prometheus-nginxlog-exporter's documentation uses",
    ),
    (
        "upstreamlog", "default",
        '[$time_local] $remote_addr - $remote_user - $server_name $host to: $upstream_addr: '
        '$request $status upstream_response_time $upstream_response_time msec $msec '
        'request_time $request_time',
        "the load-balancer `upstreamlog` copied across many public configurations "
        "(e.g. MinIO and Dgraph load-balancing examples): $request and the upstream "
        "lists unquoted",
    ),
    (
        "postdata", "json",
        '$remote_addr - $remote_user [$time_local] '
        '"$request" $status $bytes_sent '
        '"$http_referer" "$http_user_agent" "$request_body"',
        "the request-body logging recipe `log_format postdata escape=json` found in many "
        "public nginx.conf files: text, not JSON, escaped as JSON strings",
    ),
    (
        "logstash_json", "json",
        '{"@timestamp":"$time_iso8601",'
        '"@version":"1",'
        '"server_addr":"$server_addr",'
        '"remote_addr":"$remote_addr",'
        '"host":"$host",'
        '"uri":"$uri",'
        '"body_bytes_sent":$body_bytes_sent,'
        '"bytes_sent":$body_bytes_sent,'
        '"upstream_response_time":$upstream_response_timer,'
        '"request":"$request",'
        '"request_length":$request_length,'
        '"request_time":$request_time,'
        '"status":"$status",'
        '"http_referer":"$http_referer",'
        '"http_x_forwarded_for":"$http_x_forwarded_for",'
        '"http_user_agent":"$http_user_agent"'
        '}',
        "an ELK-style escape=json object (QQ1134614268/LinuxServer, "
        "nginx/nginx.logformat.json.conf), with its map of $upstream_response_time "
        "to $upstream_response_timer: unquoted, a retry's list is not valid JSON",
    ),
]

# What the formats above need besides themselves (nginx.conf's http level).
HTTP_EXTRAS = """
map $upstream_response_time $upstream_response_timer {
    default $upstream_response_time;
    ""        0;
}
"""


def conf():
    out = [HTTP_EXTRAS.strip(), ""]
    for name, escape, fmt, source in CORPUS:
        out.append(f"# {name}: {source}")
        if name == "combined":
            continue  # built in: nginx refuses to declare it again
        esc = "" if escape == "default" else f" escape={escape}"
        out.append(f"log_format {name}{esc} '{fmt}';")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    if sys.argv[1:] != ["conf"]:
        sys.exit(__doc__)
    print(conf())
