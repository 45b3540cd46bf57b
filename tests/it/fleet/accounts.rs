//! The example nats-server configuration (packaging/nats/nats-server.conf),
//! with its accounts and TLS and fresh NKEYs in place of its keys: agents
//! publish their own host's lines and a viewer reads them all, over TLS,
//! and asks an agent for its history;
//! an agent that claims another host's name publishes nothing, and a
//! viewer cannot publish lines.

use std::process::Command;
use std::time::Duration;

use nkeys::KeyPair;

use super::*;

const EXAMPLE: &str = include_str!("../../../packaging/nats/nats-server.conf");

/// A CA and a certificate for 127.0.0.1 that it signed, made by openssl in `dir`.
fn certificates(dir: &TestDir) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir.root()).output();
        let out = out.expect("openssl (tests/run-all.sh installs it)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let key = ["-newkey", "rsa:2048", "-nodes"];
    openssl(
        &[
            &["req", "-x509"][..],
            &key,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=fleet-test-ca",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &key,
            &[
                "-keyout",
                "server-key.pem",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    );
    std::fs::write(dir.path("ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "server-cert.pem",
        "-extfile",
        "ext",
    ]);
}

/// The example with `keys` in place of its keys, in order, and its files in `dir`.
fn configuration(dir: &TestDir, keys: &[&KeyPair]) -> std::path::PathBuf {
    let mut text = EXAMPLE.replace("/etc/nats/", &format!("{}/", dir.root().display()));
    text = text.replace("/var/lib/nats", &dir.path("jetstream").display().to_string());
    let theirs: Vec<&str> = EXAMPLE
        .lines()
        .filter_map(|l| l.trim().strip_prefix("nkey: "))
        .collect();
    assert_eq!(theirs.len(), keys.len(), "the example's users");
    for (old, new) in theirs.iter().zip(keys) {
        text = text.replace(old, &new.public_key());
    }
    let path = dir.path("nats-server.conf");
    std::fs::write(&path, text).unwrap();
    path
}

/// The `[fleet]` keys of a process that proves itself with `key`, over TLS.
fn fleet_keys(dir: &TestDir, name: &str, key: &KeyPair, nats: &Nats) -> String {
    let seed = dir.path(&format!("{name}.nk"));
    std::fs::write(&seed, key.seed().unwrap()).unwrap();
    let ca = dir.path("ca.pem");
    format!(
        "servers = [\"tls://127.0.0.1:{}\"]\nnkey_seed = {seed:?}\ntls_ca = {ca:?}\n",
        nats.port
    )
}

/// Whether `key` may store a message on `subject` through JetStream.
async fn can_publish(nats: &Nats, dir: &TestDir, key: &KeyPair, inbox: &str, subject: &str) -> bool {
    let client = async_nats::ConnectOptions::with_nkey(key.seed().unwrap())
        .add_root_certificates(dir.path("ca.pem"))
        .require_tls(true)
        .custom_inbox_prefix(inbox)
        .connect(format!("tls://127.0.0.1:{}", nats.port))
        .await
        .expect("connect over TLS");
    let mut js = async_nats::jetstream::new(client);
    js.set_timeout(Duration::from_secs(2));
    match js.publish(subject.to_string(), "{}".into()).await {
        Ok(ack) => ack.await.is_ok(),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_publish_only_their_own_lines_and_viewers_only_read() {
    let dir = TestDir::new();
    let (web1, web2, reader) = (KeyPair::new_user(), KeyPair::new_user(), KeyPair::new_user());
    let config = configuration(&dir, &[&web1, &web2, &reader]);
    certificates(&dir);
    let Some(nats) = Nats::start(Some(&config)) else { return };
    let view = viewer(
        &dir,
        &format!("host = \"viewer\"\n{}", fleet_keys(&dir, "viewer", &reader, &nats)),
    );
    let mut hosts = vec![
        Host::new("web-1", &fleet_keys(&dir, "web-1", &web1, &nats)),
        Host::new("web-2", &fleet_keys(&dir, "web-2", &web2, &nats)),
    ];
    // web-1's key, claiming to be web-2.
    let impostor = Host::new("web-2", &fleet_keys(&dir, "impostor", &web1, &nats));
    let mut agents: Vec<Daemon> = hosts.iter().map(Host::start).collect();
    let forger = impostor.start();
    impostor.dir.append("access.log", &["forged line"; 20]);
    for host in &mut hosts {
        host.write(100);
    }
    wait_all(&view, &hosts).await;
    assert_viewer_has_all(&view, &hosts).await;
    // Its requests are refused: it says so, and its lines reach no viewer.
    let deadline = std::time::Instant::now() + LINES_TIMEOUT;
    while !forger.output().contains("retrying every second") {
        assert!(std::time::Instant::now() < deadline, "{}", forger.output());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_viewer_has_all(&view, &hosts).await;

    let page = get(&view, "/history?stream=web-2/access&after=seq:90").await;
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    assert!(String::from_utf8_lossy(&page.body).contains("web-2 line 000099"));

    assert!(can_publish(&nats, &dir, &web1, "_INBOX_web-1", "logmon.lines.web-1.x").await);
    assert!(!can_publish(&nats, &dir, &web1, "_INBOX_web-1", "logmon.lines.web-2.x").await);
    assert!(!can_publish(&nats, &dir, &reader, "_INBOX_viewer", "logmon.lines.web-1.x").await);
    agents.clear();
}
