//! The trace narrative's unit tests.

use super::*;

fn step(millis: u64, what: Happening) -> Step {
    Step {
        time: SimTime(millis),
        message: 1,
        sender: 0,
        receiver: 0,
        what,
    }
}

#[test]
fn the_narrator_names_the_ip_in_the_reply_and_times_from_arrival() {
    let policy = crate::retry::parse_spec("Postfix()").unwrap();
    let mut narrator = Narrator {
        ips: vec![IpAddress([192, 0, 2, 7])],
        receiver: "rx",
        policy: &policy,
        arrival: SimTime(1000),
        last_ip: None,
        clock: None,
    };
    let started = Happening::AttemptStarted {
        attempt: 1,
        ip: 0,
        reused: false,
    };
    assert_eq!(
        narrator.tell(&step(2000, started)),
        "attempt 1 from 192.0.2.7 on a new connection"
    );
    let ended = Happening::AttemptEnded {
        attempt: 1,
        ip: 0,
        reply: Reply::ServerBusy,
    };
    let reply = narrator.tell(&step(3000, ended));
    assert!(reply.contains("[192.0.2.7]"), "{reply}");
    assert!(
        reply.ends_with("(temporary failure, recipient scope)"),
        "{reply}"
    );
    let deferred = Happening::Deferred {
        reply: Reply::ServerBusy,
        retry_at: SimTime(603_000),
        without_attempt: None,
    };
    assert_eq!(
        narrator.tell(&step(3000, deferred)),
        "deferred: the reply is temporary (4.7.500); the policy retries at 0:10:03.000 (in 10m)"
    );
    assert_eq!(
        narrator.tell(&step(61_000, Happening::Delivered)),
        "delivered, 1m after arrival"
    );
    let dead = Happening::Deferred {
        reply: Reply::ConnectRefused,
        retry_at: SimTime(603_000),
        without_attempt: Some(crate::retry::HoldReason::DeadDestination),
    };
    let text = narrator.tell(&step(3000, dead));
    assert!(
        text.starts_with(
            "deferred: without an attempt, as if 4.4.1 again: Postfix dead destination"
        ),
        "{text}"
    );
    let held = Happening::Held {
        until: SimTime(3_600_000),
        reason: crate::retry::HoldReason::HostRetryTime,
    };
    assert_eq!(
        narrator.tell(&step(3000, held)),
        "held until 1:00:00.000 without an attempt: Exim retry time not reached for the host (its retry record after a site failure; the message waits for the host's retry time)"
    );
}

#[test]
fn clock_shows_hours_minutes_seconds_and_days() {
    assert_eq!(clock(SimTime(79_056)), "0:01:19.056");
    assert_eq!(
        clock(SimTime(86_400_000 + 2 * 3_600_000)),
        "1d 02:00:00.000"
    );
}
