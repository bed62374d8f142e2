//! The retry loop's tracing event, alone in its own test binary: tracing
//! caches per callsite whether anyone listens, and another test's thread
//! hitting the callsite with no subscriber raced this test's thread-local
//! subscriber (in `retry_loop.rs` it failed about one run in three).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use strands_retry::RetryKind;

mod common;
use common::{fail, fast, run};

#[test]
fn one_tracing_event_per_retry_with_attempt_delay_and_kind() {
    let events = Arc::new(Mutex::new(Vec::<String>::new()));
    let subscriber = Recorder(Arc::clone(&events));
    let s = fast().build().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        // Another test's thread may have cached "no interest" for the
        // loop's callsite while no subscriber existed.
        tracing::callsite::rebuild_interest_cache();
        let (out, _, _) = run(&s, |n| {
            if n <= 2 {
                Err(fail(RetryKind::Throttling, n))
            } else {
                Ok(())
            }
        });
        out.unwrap();
    });
    let events = events.lock().unwrap();
    let retries: Vec<&String> = events.iter().filter(|e| e.contains("retrying")).collect();
    assert_eq!(retries.len(), 2, "{events:#?}");
    assert!(retries[0].contains("attempt=1"), "{}", retries[0]);
    assert!(retries[0].contains("delay_ms=100"), "{}", retries[0]);
    assert!(retries[0].contains("kind=\"throttling\""), "{}", retries[0]);
    assert!(retries[1].contains("attempt=2") && retries[1].contains("delay_ms=200"));
    // The loop cannot redact an error, so it never logs its text.
    assert!(
        events.iter().all(|e| !e.contains("failure #")),
        "{events:#?}"
    );
}

/// Records each event's fields as `name=value` text.
struct Recorder(Arc<Mutex<Vec<String>>>);

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct V(String);
        impl tracing::field::Visit for V {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={v:?} ", f.name()));
            }
            fn record_u64(&mut self, f: &tracing::field::Field, v: u64) {
                self.0.push_str(&format!("{}={v} ", f.name()));
            }
        }
        let mut v = V(String::new());
        event.record(&mut v);
        self.0.lock().unwrap().push(v.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

const CHILD: &str = "STRANDS_NEW_RETRIES_WARNING_CHILD";

/// An `AWS_NEW_RETRIES_2026` that is neither `true` nor `false` is a
/// warning naming the value and the choice, once per process; `false` and
/// unset are silent. Each case in a child process with its own variable.
#[test]
fn an_unreadable_new_retries_variable_is_one_warning() {
    for (value, warned) in [(Some("yes"), true), (Some("false"), false), (None, false)] {
        let mut env: Vec<(&str, &std::ffi::OsStr)> = vec![];
        if let Some(v) = value {
            env.push(("AWS_NEW_RETRIES_2026", v.as_ref()));
        }
        let out = strands_testkit::run_child_checks("child_reads_the_variable", CHILD, &env);
        let warning = out.contains("neither `true` nor `false`");
        assert_eq!(warning, warned, "{value:?}:\n{out}");
        if warned {
            assert!(
                out.contains("value=\"yes\"") && out.contains("chosen=\"2.1\""),
                "{out}"
            );
            assert_eq!(
                out.matches("neither `true` nor `false`").count(),
                1,
                "{out}"
            );
        }
    }
}

#[test]
fn child_reads_the_variable() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let events = Arc::new(Mutex::new(Vec::<String>::new()));
    tracing::subscriber::with_default(Recorder(Arc::clone(&events)), || {
        tracing::callsite::rebuild_interest_cache();
        for _ in 0..3 {
            let b = strands_retry::RetryBehavior::from_env();
            let want = if std::env::var("AWS_NEW_RETRIES_2026").as_deref() == Ok("false") {
                strands_retry::RetryBehavior::V2_0
            } else {
                strands_retry::RetryBehavior::V2_1
            };
            assert_eq!(b, want);
        }
    });
    for e in events.lock().unwrap().iter() {
        println!("{e}");
    }
    println!("child checks passed");
}
