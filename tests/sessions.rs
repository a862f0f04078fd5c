//! Resumption and renegotiation between our client and server engines in memory.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use openschannel::cache::SessionCache;
use openschannel::crypto::sign::SigningKey;
use openschannel::engine::config::{Config, Renegotiation, ServerIdentity};
use openschannel::engine::{Connection, Opened, Step, MAX_PEER_RENEGOTIATIONS, RENEGOTIATION_WINDOW_SECS};
use openschannel::x509::{self, TrustStore};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap()
}

struct Ends {
    client: Arc<Config>,
    server: Arc<Config>,
}

fn ends(tweak: impl Fn(&mut Config, &mut Config)) -> Ends {
    let mut trust = TrustStore::empty();
    trust.add_pem_or_der(&read("ca.pem")).unwrap();
    let trust = Arc::new(trust);
    let mut client = Config::new(trust.clone());
    client.cache = Some(Arc::new(SessionCache::new(100)));
    client.cred_id = 1;
    let mut server = Config::new(trust);
    server.cache = Some(Arc::new(SessionCache::new(100)));
    server.cred_id = 2;
    server.identities = ["server", "server-ecdsa"]
        .iter()
        .map(|name| ServerIdentity {
            chain: x509::pem::certs_from_pem_or_der(&read(&format!("{name}.pem"))).unwrap(),
            key: Arc::new(SigningKey::from_pem_or_der(&read(&format!("{name}.key"))).unwrap()),
        })
        .collect();
    // The tests below exercise the session-ID cache; tickets have their own (`ticket_ends`).
    client.offer_tickets = false;
    tweak(&mut client, &mut server);
    Ends { client: Arc::new(client), server: Arc::new(server) }
}

/// Ends that use session tickets (RFC 5077) and no server-side cache at all.
fn ticket_ends(tweak: impl Fn(&mut Config, &mut Config)) -> Ends {
    ends(|c, s| {
        c.offer_tickets = true;
        s.cache = None;
        tweak(c, s);
    })
}

/// Moves `from`'s pending output into `to`; true if anything moved.
fn deliver(from: &mut Connection, to: &mut Connection) -> bool {
    let bytes = from.take_output();
    let mut at = 0;
    while at < bytes.len() {
        match to.process_handshake(&bytes[at..]).unwrap() {
            Step::Continue { consumed } | Step::Done { consumed } | Step::Declined { consumed } if consumed > 0 => at += consumed,
            other => panic!("stuck: {other:?}"),
        }
    }
    !bytes.is_empty()
}

/// Passes bytes between the two ends until nothing moves.
fn pump(a: &mut Connection, b: &mut Connection) {
    while deliver(a, b) | deliver(b, a) {}
}

fn connect(e: &Ends) -> (Connection, Connection) {
    let mut c = Connection::new_client(e.client.clone(), Some("localhost".into()));
    let mut s = Connection::new_server(e.server.clone());
    c.start().unwrap();
    pump(&mut c, &mut s);
    assert!(c.is_established() && s.is_established());
    (c, s)
}

/// Sends `data` and returns what the receiver's `open` yields, record by record.
fn send(from: &mut Connection, to: &mut Connection, data: &[u8]) -> Vec<u8> {
    let mut wire = from.seal(data).unwrap();
    let mut got = Vec::new();
    let mut at = 0;
    while at < wire.len() {
        match to.open(&mut wire[at..]).unwrap() {
            Opened::Data { plaintext, record_len } => {
                got.extend_from_slice(&wire[at + plaintext.start..at + plaintext.end]);
                at += record_len;
            }
            other => panic!("{other:?}"),
        }
    }
    got
}

#[test]
fn second_connection_resumes_with_fresh_keys() {
    let e = ends(|_, _| {});
    let (mut c1, mut s1) = connect(&e);
    assert!(!c1.resumed() && !s1.resumed());
    let (mut c2, mut s2) = connect(&e);
    assert!(c2.resumed() && s2.resumed(), "abbreviated handshake");
    assert_eq!(c1.info().unwrap().session_id, c2.info().unwrap().session_id);
    assert_eq!(c2.peer_certificates(), c1.peer_certificates(), "client still knows the server's chain");
    assert_eq!(send(&mut c2, &mut s2, b"resumed"), b"resumed");
    assert_eq!(send(&mut s2, &mut c2, b"indeed"), b"indeed");
    // Fresh randoms give fresh keys: a record of connection 1 does not open on connection 2.
    let mut rec = c1.seal(b"x").unwrap();
    let mut copy = rec.clone();
    assert!(s2.open(&mut rec).is_err());
    assert!(matches!(s1.open(&mut copy).unwrap(), Opened::Data { .. }), "but it does on its own connection");
}

#[test]
fn falls_back_to_a_full_handshake_when_the_server_forgot() {
    let e = ends(|_, _| {});
    connect(&e);
    e.server.cache.as_ref().unwrap().set_capacity(0);
    let (c, s) = connect(&e);
    assert!(!c.resumed() && !s.resumed());
    assert!(!c.peer_certificates().is_empty());
}

#[test]
fn disabled_reconnects_and_other_credentials_do_not_resume() {
    let e = ends(|c, _| c.cache = None);
    connect(&e);
    assert!(!connect(&e).0.resumed());
    // Same cache, another client credential: its sessions are not ours.
    let e = ends(|_, _| {});
    connect(&e);
    let mut other = (*e.client).clone();
    other.cred_id = 99;
    let mut c = Connection::new_client(Arc::new(other), Some("localhost".into()));
    let mut s = Connection::new_server(e.server.clone());
    c.start().unwrap();
    pump(&mut c, &mut s);
    assert!(!c.resumed());
}

#[test]
fn expired_sessions_are_not_resumed() {
    let e = ends(|c, s| {
        c.session_lifetime = 0;
        s.session_lifetime = 0;
    });
    connect(&e);
    assert!(!connect(&e).0.resumed());
}

fn open_one(to: &mut Connection, wire: &mut [u8]) -> Opened {
    to.open(wire).unwrap()
}

#[test]
fn client_initiated_renegotiation_with_data_around_it() {
    let e = ends(|_, _| {});
    let (mut c, mut s) = connect(&e);
    let first_session = s.info().unwrap().session_id;
    assert_eq!(send(&mut c, &mut s, b"before"), b"before");
    c.request_renegotiation().unwrap();
    assert!(c.renegotiating());
    let mut hello = c.take_output();
    // Data written after the new ClientHello but before the server answered.
    let mut data = c.seal(b"during").unwrap();
    assert_eq!(open_one(&mut s, &mut hello), Opened::Renegotiate, "handshake record is not consumed by open");
    hello.extend_from_slice(&data);
    // The server's handshake loop gets hello + data; the data is queued, not lost.
    match s.process_handshake(&hello).unwrap() {
        Step::Continue { consumed } => assert_eq!(consumed, hello.len()),
        other => panic!("{other:?}"),
    }
    let mut queued = Vec::new();
    while let Some(piece) = s.take_queued() {
        queued.extend(piece);
    }
    assert_eq!(queued, b"during");
    data.clear();
    pump(&mut c, &mut s);
    assert!(c.is_established() && s.is_established());
    assert_ne!(s.info().unwrap().session_id, first_session, "a new full handshake");
    assert_eq!(send(&mut c, &mut s, b"after"), b"after");
    assert_eq!(send(&mut s, &mut c, b"after too"), b"after too");
}

#[test]
fn server_initiated_renegotiation() {
    let e = ends(|_, _| {});
    let (mut c, mut s) = connect(&e);
    s.request_renegotiation().unwrap();
    assert!(s.is_established(), "a server waits for the ClientHello in its data loop");
    let mut req = s.take_output();
    // Client data sent before it saw the HelloRequest still arrives normally.
    assert_eq!(send(&mut c, &mut s, b"racing"), b"racing");
    assert_eq!(open_one(&mut c, &mut req), Opened::Renegotiate);
    assert!(matches!(c.process_handshake(&req).unwrap(), Step::Continue { .. }));
    let mut hello = c.take_output();
    assert_eq!(open_one(&mut s, &mut hello), Opened::Renegotiate);
    assert!(matches!(s.process_handshake(&hello).unwrap(), Step::Continue { .. }));
    pump(&mut c, &mut s);
    assert!(c.is_established() && s.is_established());
    assert_eq!(send(&mut s, &mut c, b"renegotiated"), b"renegotiated");
    // And once more: verify_data chains through successive renegotiations (RFC 5746).
    c.request_renegotiation().unwrap();
    let hello = c.take_output();
    s.process_handshake(&hello).unwrap();
    pump(&mut c, &mut s);
    assert!(c.is_established() && s.is_established());
    assert_eq!(send(&mut c, &mut s, b"twice"), b"twice");
}

#[test]
fn refusing_renegotiation_sends_a_warning_and_keeps_the_connection() {
    let e = ends(|_, s| s.renegotiation = Renegotiation::Refuse);
    let (mut c, mut s) = connect(&e);
    assert!(s.request_renegotiation().is_err(), "our own side may not start one either");
    c.request_renegotiation().unwrap();
    let hello = c.take_output();
    assert!(matches!(s.process_handshake(&hello).unwrap(), Step::Done { .. }));
    let mut warning = s.take_output();
    // The client reads the no_renegotiation warning as an empty record and goes on.
    assert!(matches!(c.open(&mut warning).unwrap(), Opened::Data { .. }));
    assert!(s.is_established());
    assert_eq!(send(&mut s, &mut c, b"still here"), b"still here");
}

#[test]
fn insecure_renegotiation_refused_by_default_allowed_on_request() {
    for (policy, allowed) in [(Renegotiation::SecureOnly, false), (Renegotiation::AllowInsecure, true)] {
        let e = ends(|c, s| {
            c.offer_secure_renegotiation = false;
            c.renegotiation = Renegotiation::AllowInsecure;
            s.renegotiation = policy;
        });
        let (mut c, mut s) = connect(&e);
        assert!(!s.info().unwrap().secure_renegotiation);
        c.request_renegotiation().unwrap();
        let hello = c.take_output();
        s.process_handshake(&hello).unwrap();
        assert_eq!(s.is_established(), !allowed, "{policy:?}");
        pump(&mut c, &mut s);
        if allowed {
            assert!(c.is_established() && s.is_established());
        }
    }
}

#[test]
fn close_notify_during_and_after_renegotiation() {
    let e = ends(|_, _| {});
    // During: the client has sent its new hello; it closes instead of finishing.
    let (mut c, mut s) = connect(&e);
    c.request_renegotiation().unwrap();
    let hello = c.take_output();
    s.process_handshake(&hello).unwrap();
    let _server_flight = s.take_output();
    let mut bye = c.close_notify();
    // The server, mid-handshake, reads the close in its handshake loop and stops cleanly.
    assert_eq!(
        s.process_handshake(&bye),
        Err(openschannel::engine::error::Error::AlertReceived(openschannel::msgs::enums::AlertDescription::CloseNotify))
    );
    // A server that asked for a renegotiation is back in its data loop: the client closes
    // instead of answering, and the server reads a clean close.
    let (mut c, mut s) = connect(&e);
    s.request_renegotiation().unwrap();
    let _hello_request = s.take_output();
    bye = c.close_notify();
    assert!(matches!(s.open(&mut bye).unwrap(), Opened::Closed { .. }));
    // After: a completed renegotiation, then close_notify from the server.
    let (mut c, mut s) = connect(&e);
    s.request_renegotiation().unwrap();
    let req = s.take_output();
    c.process_handshake(&req).unwrap();
    pump(&mut c, &mut s);
    assert!(c.is_established() && s.is_established());
    let mut bye = s.close_notify();
    assert!(matches!(c.open(&mut bye).unwrap(), Opened::Closed { .. }));
}

#[test]
fn a_declined_renegotiation_keeps_the_old_keys() {
    let e = ends(|_, s| s.renegotiation = Renegotiation::Refuse);
    let (mut c, mut s) = connect(&e);
    let before = c.info().unwrap();
    c.request_renegotiation().unwrap();
    // While in flight, the traffic parameters are still those of the first handshake.
    assert_eq!(c.info().unwrap().suite.id, before.suite.id);
    assert_eq!(c.info().unwrap().session_id, before.session_id);
    let hello = c.take_output();
    assert!(matches!(s.process_handshake(&hello).unwrap(), Step::Done { .. }));
    let warning = s.take_output();
    assert!(matches!(c.process_handshake(&warning).unwrap(), Step::Declined { .. }));
    assert!(c.is_established() && !c.renegotiating());
    assert_eq!(send(&mut c, &mut s, b"old keys"), b"old keys");
    assert_eq!(send(&mut s, &mut c, b"still"), b"still");
}

/// The server clock of the rate test, in seconds, moved by the test.
static RATE_CLOCK: AtomicI64 = AtomicI64::new(1_800_000_000);
fn rate_clock() -> i64 {
    RATE_CLOCK.load(Ordering::SeqCst)
}

/// Starts a client renegotiation and answers whether the server went along (else it declined
/// with a no_renegotiation warning, and the old keys stay).
fn renegotiate_once(c: &mut Connection, s: &mut Connection) -> bool {
    c.request_renegotiation().unwrap();
    let hello = c.take_output();
    match s.process_handshake(&hello).unwrap() {
        Step::Continue { .. } => {
            pump(c, s);
            assert!(c.is_established() && s.is_established() && !c.renegotiating());
            true
        }
        Step::Done { .. } => {
            let warning = s.take_output();
            assert!(matches!(c.process_handshake(&warning).unwrap(), Step::Declined { .. }));
            assert!(c.is_established() && !c.renegotiating());
            false
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn peer_renegotiations_beyond_the_rate_are_declined_until_the_window_passes() {
    let e = ends(|_, s| s.clock = rate_clock);
    let (mut c, mut s) = connect(&e);
    for i in 0..MAX_PEER_RENEGOTIATIONS {
        assert!(renegotiate_once(&mut c, &mut s), "renegotiation {i} within the rate");
    }
    // One more in the same window is declined; the connection carries on with its keys.
    let before = s.info().unwrap().session_id;
    assert!(!renegotiate_once(&mut c, &mut s), "over the rate");
    assert_eq!(s.info().unwrap().session_id, before);
    assert_eq!(send(&mut c, &mut s, b"still here"), b"still here");
    assert_eq!(send(&mut s, &mut c, b"and here"), b"and here");
    // Just before the window ends: still declined. Once it has passed: accepted again.
    RATE_CLOCK.fetch_add(RENEGOTIATION_WINDOW_SECS - 1, Ordering::SeqCst);
    assert!(!renegotiate_once(&mut c, &mut s), "same window");
    RATE_CLOCK.fetch_add(1, Ordering::SeqCst);
    assert!(renegotiate_once(&mut c, &mut s), "a new window");
    assert_ne!(s.info().unwrap().session_id, before, "a new full handshake");
    assert_eq!(send(&mut c, &mut s, b"renegotiated"), b"renegotiated");
}

/// The clocks of both ends in the two-sided rate test (its own: tests run in parallel).
static BOTH_CLOCK: AtomicI64 = AtomicI64::new(1_800_000_000);
fn both_clock() -> i64 {
    BOTH_CLOCK.load(Ordering::SeqCst)
}

/// The server asks for a renegotiation; answers whether the client went along (else it declined
/// the HelloRequest with a no_renegotiation warning, which the server reads and goes on).
fn server_renegotiate_once(c: &mut Connection, s: &mut Connection) -> bool {
    s.request_renegotiation().unwrap();
    let mut request = s.take_output();
    assert_eq!(open_one(c, &mut request), Opened::Renegotiate);
    match c.process_handshake(&request).unwrap() {
        Step::Continue { .. } => {
            let mut hello = c.take_output();
            assert_eq!(open_one(s, &mut hello), Opened::Renegotiate);
            assert!(matches!(s.process_handshake(&hello).unwrap(), Step::Continue { .. }));
            pump(c, s);
            assert!(c.is_established() && s.is_established() && !c.renegotiating());
            true
        }
        Step::Done { .. } => {
            let mut warning = c.take_output();
            assert!(!warning.is_empty(), "a no_renegotiation warning");
            assert!(matches!(open_one(s, &mut warning), Opened::Data { .. }));
            assert!(c.is_established() && s.is_established());
            false
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn each_side_counts_only_the_renegotiations_its_peer_starts() {
    let e = ends(|c, s| {
        c.clock = both_clock;
        s.clock = both_clock;
    });
    let (mut c, mut s) = connect(&e);
    // The server's own requests: the client counts them, the server does not.
    for i in 0..MAX_PEER_RENEGOTIATIONS {
        assert!(server_renegotiate_once(&mut c, &mut s), "server request {i}");
    }
    for i in 0..MAX_PEER_RENEGOTIATIONS {
        assert!(renegotiate_once(&mut c, &mut s), "client renegotiation {i}: the server's own requests were not counted");
    }
    assert!(!renegotiate_once(&mut c, &mut s), "the server declines the client's eleventh");
    assert!(!server_renegotiate_once(&mut c, &mut s), "the client declines the server's eleventh request");
    assert_eq!(send(&mut c, &mut s, b"still here"), b"still here");
    // The declined request does not make the client's next hello an answer to it.
    assert!(!renegotiate_once(&mut c, &mut s), "still over the rate");
    // A clock that goes back starts a new window.
    BOTH_CLOCK.fetch_sub(1, Ordering::SeqCst);
    assert!(renegotiate_once(&mut c, &mut s), "new window after the clock went back");
    assert!(server_renegotiate_once(&mut c, &mut s), "and on the client too");
}

#[test]
fn tickets_resume_without_a_server_cache() {
    let e = ticket_ends(|_, _| {});
    let (c1, s1) = connect(&e);
    assert!(!c1.resumed() && !s1.resumed());
    let (mut c2, mut s2) = connect(&e);
    assert!(c2.resumed() && s2.resumed(), "abbreviated handshake from the ticket alone");
    assert_eq!(c2.peer_certificates(), c1.peer_certificates());
    assert_eq!(send(&mut c2, &mut s2, b"ticketed"), b"ticketed");
    // The resumption brought a renewed ticket, which resumes again.
    let (c3, s3) = connect(&e);
    assert!(c3.resumed() && s3.resumed());
}

#[test]
fn tickets_from_another_server_or_too_old_give_a_full_handshake() {
    // Another server credential has other ticket keys.
    let e = ticket_ends(|_, _| {});
    connect(&e);
    let mut other = (*e.server).clone();
    other.tickets = Some(Arc::new(openschannel::cache::tickets::TicketKeys::new(0, 3600)));
    let mut c = Connection::new_client(e.client.clone(), Some("localhost".into()));
    let mut s = Connection::new_server(Arc::new(other));
    c.start().unwrap();
    pump(&mut c, &mut s);
    assert!(c.is_established() && !c.resumed() && !s.resumed());

    // A ticket past its session's lifetime: the server's clock has moved on.
    fn later() -> i64 {
        openschannel::engine::config::system_clock() + 11 * 3600
    }
    let e = ticket_ends(|_, _| {});
    connect(&e);
    let mut aged = (*e.server).clone();
    aged.clock = later;
    let mut c = Connection::new_client(e.client.clone(), Some("localhost".into()));
    let mut s = Connection::new_server(Arc::new(aged));
    c.start().unwrap();
    pump(&mut c, &mut s);
    assert!(c.is_established() && !c.resumed() && !s.resumed());
}

#[test]
fn servers_without_tickets_do_not_send_them() {
    let e = ticket_ends(|_, s| s.tickets = None);
    let (c1, _) = connect(&e);
    assert!(!c1.resumed());
    // No ticket and no server cache: nothing to resume.
    let (c2, s2) = connect(&e);
    assert!(!c2.resumed() && !s2.resumed());
}
