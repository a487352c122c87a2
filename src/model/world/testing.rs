//! Helpers for the world's unit tests: a one-sender scenario from a few fields, an observer
//! that keeps every step, running the event loop up to an instant, and a whole run's steps.

use crate::engine::SimTime;
use crate::model::observe::Tap;
use crate::model::{Observer, Step};
use crate::scenario::{Scenario, parse};

use super::World;

/// A scenario with one sender `s` (its fields: `sender`) and the receivers `receivers` (the
/// entries of the receivers map), over two days.
pub fn scenario(sender: &str, receivers: &str) -> Scenario {
    let text = format!(
        r#"(name: "t", run: (horizon: "2d"), senders: [(name: "s", {sender})],
            receivers: {{{receivers}}})"#
    );
    parse("t.ron", &text).unwrap_or_else(|e| panic!("test scenario does not parse: {e:?}"))
}

/// Keeps every step it is told.
#[derive(Default)]
pub struct Watcher {
    pub steps: Vec<Step>,
}

impl Observer for Watcher {
    fn observe(&mut self, step: &Step) {
        self.steps.push(*step);
    }
}

/// Handles every event due at or before `until`.
pub fn run_until(world: &mut World, until: SimTime) {
    while let Some(time) = world.next_time() {
        if time > until {
            break;
        }
        world.step(time);
    }
}

/// Every step of a whole run of `scenario` (seed 0).
pub fn steps_of(scenario: &Scenario) -> Vec<Step> {
    let mut watcher = Watcher::default();
    World::new(scenario, 0, Some(Tap::new(&mut watcher)))
        .run(Default::default())
        .expect("runs");
    watcher.steps
}
