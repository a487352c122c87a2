//! Real retry policies inside whole simulations: the failure scope decides destination
//! behaviour, the policy shoot-out scenario shows the differences the sources predict, and
//! simple policies are unaffected by the destination hooks.

use mailsim::model::simulate;
use mailsim::scenario::parse;

/// One sender with `retry` sending `messages` at once to a receiver described by `receiver`.
fn micro(retry: &str, receiver: &str) -> String {
    format!(
        r#"(
    name: "micro",
    run: (horizon: "7d", seed: 5),
    senders: [(
        name: "s",
        traffic: [Campaign(messages: 200, at: "0s", spread: "10m")],
        recipients: (mix: {{"r": 1.0}}),
        connections: (per_destination: 10, transaction_time: Fixed("1s")),
        retry: {retry},
    )],
    receivers: {{ "r": {receiver} }},
)"#
    )
}

fn run(text: &str) -> mailsim::metrics::Summary {
    let scenario = parse("test", text).unwrap_or_else(|e| panic!("{e:?}"));
    simulate(&scenario, 0).expect("simulation").summary
}

#[test]
fn refused_connections_kill_a_postfix_destination_but_recipient_451s_do_not() {
    // Site level: connections refused for the first 2 hours. Three failed pseudo-cohorts kill
    // the destination, and messages due while it is dead are deferred without a connection, so
    // there are more deferrals than failed attempts.
    let refused = run(&micro(
        "Postfix()",
        r#"(outages: [(start: "0s", end: "2h", kind: Refused)])"#,
    ));
    let failed_attempts = refused.attempts - refused.delivered - refused.bounced;
    let deferrals: u64 = refused.deferrals.values().sum();
    assert!(
        deferrals > failed_attempts,
        "{deferrals} deferrals, {failed_attempts} failed attempts"
    );
    assert_eq!(refused.delivered, 200);
    // Recipient level: a throttle that defers most attempts with 451 4.7.500. Every deferral
    // is a real attempt: the destination never dies.
    let throttled = run(&micro(
        "Postfix()",
        r#"(throttle: (rate: "60/h", burst: 10))"#,
    ));
    let failed_attempts = throttled.attempts - throttled.delivered - throttled.bounced;
    let deferrals: u64 = throttled.deferrals.values().sum();
    assert!(failed_attempts > 200);
    assert_eq!(deferrals, failed_attempts);
}

#[test]
fn exim_holds_messages_for_a_failing_host_instead_of_trying_each() {
    let receiver = r#"(outages: [(start: "0s", end: "3h", kind: Refused)])"#;
    let exim = run(&micro("Exim()", receiver));
    let fope = run(&micro("Fope()", receiver));
    // FOPE tries every message every 20 minutes through the outage (9 rounds of 200); Exim
    // waits for the host's retry time, so only the messages due at that instant try.
    assert!(
        exim.deferrals["4.4.1"] * 5 < fope.deferrals["4.4.1"],
        "{:?} vs {:?}",
        exim.deferrals,
        fope.deferrals
    );
    assert_eq!(exim.delivered, 200);
    assert_eq!(fope.delivered, 200);
}

#[test]
fn a_suspension_holds_messages_without_polling() {
    // Any 4.7.500 suspends the destination for 2 hours; the base policy would retry every
    // minute. Held messages wait for one wake-up at the end of the suspension, so the run costs
    // far fewer events than the same policy without the rule, and far fewer throttled attempts.
    let throttle = r#"(throttle: (rate: "120/h", burst: 20))"#;
    let retry = r#"Adaptive(base: Fixed(interval: "1m"), rules: [(code: "4.7.500", action: Suspend, duration: "2h")])"#;
    let suspended = run(&micro(retry, throttle));
    let plain = run(&micro(r#"Fixed(interval: "1m")"#, throttle));
    assert_eq!(suspended.delivered, 200);
    assert_eq!(plain.delivered, 200);
    assert!(
        suspended.events * 5 < plain.events,
        "{} events vs {}",
        suspended.events,
        plain.events
    );
    assert!(suspended.deferrals["4.7.500"] * 10 < plain.deferrals["4.7.500"]);
}

#[test]
fn the_policy_shootout_shows_the_documented_differences() {
    let text = std::fs::read_to_string("scenarios/policy-shootout.ron").expect("scenario");
    let with = |retry: &str| run(&text.replace("retry: Postfix(),", &format!("retry: {retry},")));
    let postfix = with("Postfix()");
    let exim = with("Exim()");
    let fope = with("Fope()");
    let kumo = with("KumoMta()");
    let kumo_o365 = with("KumoMtaOffice365()");
    for summary in [&postfix, &exim, &fope, &kumo, &kumo_o365] {
        assert_eq!(summary.delivered, 20_000);
    }
    let exchange = with("ExchangeServer()");
    assert_eq!(exchange.delivered, 20_000);
    // Exchange holds messages for the queue's retry time while the next hop gives 421s.
    assert!(exchange.deferrals["4.3.2"] * 10 < fope.deferrals["4.3.2"]);
    // Exim's messages that arrived together retry together: a tail of more than a day.
    let exim_max = exim.latency_s.as_ref().expect("latency").max;
    assert!(exim_max > 86_400.0, "{exim_max}");
    for retry in [
        "Sendmail()",
        "Rfc5321()",
        r#"PowerMta(backoff_patterns: ["Server busy"], backoff_to_normal_after: "1h")"#,
    ] {
        assert_eq!(with(retry).delivered, 20_000, "{retry}");
    }
    // Postfix: dead-destination deferrals need no connection.
    let failed = postfix.attempts - postfix.delivered;
    assert!(postfix.deferrals.values().sum::<u64>() > failed);
    // Exim waits for the host's retry time: far fewer 421 attempts than FOPE.
    assert!(exim.deferrals["4.3.2"] * 10 < fope.deferrals["4.3.2"]);
    // KumoMTA's Outlook rules trade throttled attempts for delivery time.
    assert!(kumo_o365.deferrals["4.7.500"] * 10 < kumo.deferrals["4.7.500"]);
    assert!(kumo_o365.retry_queue_empty_s > kumo.retry_queue_empty_s);
    // FOPE's fixed 20 minutes drains before KumoMTA's doubling.
    assert!(fope.retry_queue_empty_s < kumo.retry_queue_empty_s);
}

#[test]
fn same_seed_same_results_with_destination_hooks() {
    let text = micro(
        "KumoMtaOffice365()",
        r#"(throttle: (rate: "120/h", burst: 20))"#,
    );
    let a = serde_json::to_string(&run(&text)).expect("json");
    let b = serde_json::to_string(&run(&text)).expect("json");
    assert_eq!(a, b);
}

#[test]
fn policy_mistakes_in_a_scenario_name_the_field_and_the_choices() {
    let misspelt = micro(r#"Postfix(minimal_backof: "1s")"#, "()");
    let error = format!(
        "{:?}",
        parse("test", &misspelt).expect_err("misspelt field")
    );
    assert!(error.contains("minimal_backoff_time"), "{error}");
    let zero = micro(r#"Exim(rules: "F,2h,0s")"#, "()");
    let error = parse("test", &zero).expect_err("zero interval").to_string();
    assert!(error.contains("senders[0].retry.rules"), "{error}");
    let defaults = parse("test", &micro("Fope()", "()")).expect("FOPE");
    // FOPE's notice age comes with the policy when the sender sets none.
    assert_eq!(
        defaults.senders()[0].delay_warning.map(|d| d.as_millis()),
        Some(7_200_000)
    );
}
