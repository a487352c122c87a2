//! Tests of the world as a whole: the message record's size, arrivals and the loop.

use super::testing::{Watcher, run_until, scenario, steps_of};
use super::*;
use crate::model::{Happening, Step};

#[test]
fn a_message_record_stays_compact() {
    // Millions of these may be queued at once; the estimate assumes 128 bytes with its wait
    // queue entry and pending event.
    assert!(std::mem::size_of::<Message>() <= 40);
}

#[test]
fn arrivals_go_to_the_receivers_of_the_mix_and_reuse_freed_slots() {
    let scenario = scenario(
        r#"traffic: [Campaign(messages: 200, at: "0s", spread: "200s")],
           recipients: (mix: {"a": 0.5, "b": 0.5}), retry: Fixed(interval: "10m")"#,
        r#""a": (), "b": ()"#,
    );
    let mut watcher = Watcher::default();
    let mut world = World::new(&scenario, 0, Some(Tap::new(&mut watcher)));
    run_until(&mut world, SimTime(300_000));
    // One message a second, each done after one: the slab never holds more than a few.
    assert!(world.messages.len() <= 3, "{}", world.messages.len());
    assert_eq!(
        world.events, 400,
        "an arrival and an attempt's end per message"
    );
    drop(world);
    let arrivals: Vec<&Step> = watcher
        .steps
        .iter()
        .filter(|step| step.what == Happening::Arrived)
        .collect();
    assert_eq!(arrivals.len(), 200);
    let to_a = arrivals.iter().filter(|step| step.receiver == 0).count();
    assert!((70..130).contains(&to_a), "{to_a}");
    assert_eq!(
        arrivals[199].message, 200,
        "numbered in order, whatever their slot"
    );
}

#[test]
fn replayed_arrivals_come_at_their_instants_to_their_receivers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.csv"),
        "time,recipient\n0.25,b\n0.25,x@a.test\n7,b\n",
    )
    .unwrap();
    let text = r#"(name: "t", senders: [(name: "s", traffic: [Replay(file: "a.csv")],
        retry: Fixed(interval: "10m"))], receivers: {"a": (), "b": ()},
        domains: {"a.test": "a"})"#;
    let scenario = crate::scenario::parse(&dir.path().join("t.ron").display().to_string(), text)
        .expect("valid");
    let steps = steps_of(&scenario);
    let arrivals: Vec<(u64, usize)> = steps
        .iter()
        .filter(|step| step.what == Happening::Arrived)
        .map(|step| (step.time.as_millis(), step.receiver))
        .collect();
    assert_eq!(arrivals, [(250, 1), (250, 0), (7000, 1)]);
}

#[test]
fn the_loop_stops_when_drained_and_reports_the_end() {
    let scenario = scenario(
        r#"traffic: [Campaign(messages: 3, at: "1h")], recipients: (mix: {"a": 1.0}),
           retry: Fixed(interval: "10m")"#,
        r#""a": ()"#,
    );
    let output = World::new(&scenario, 0, None)
        .run(RunControl::default())
        .expect("runs");
    assert_eq!(output.summary.delivered, 3);
    assert_eq!(output.summary.end_time_s, 3601.0);
}
