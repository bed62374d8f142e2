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
