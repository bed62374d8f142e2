//! The accept loop the test servers share (the fault proxy, the
//! credential endpoints): a thread per connection, stopped by a flag that
//! the owner sets on drop and a connection that wakes the loop to see it.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Serve every connection of `listener` with `serve` on its own thread,
/// until `stop(&shared)` is set.
pub(crate) fn serve_each<S: Send + Sync + 'static>(
    listener: TcpListener,
    shared: &Arc<S>,
    stop: fn(&S) -> &AtomicBool,
    serve: fn(TcpStream, &S),
) {
    let s = Arc::clone(shared);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if stop(&s).load(Ordering::Relaxed) {
                break;
            }
            let Ok(conn) = conn else { continue };
            let s = Arc::clone(&s);
            std::thread::spawn(move || serve(conn, &s));
        }
    });
}

/// Set the flag and wake the accept loop on `port` so it sees it.
pub(crate) fn stop(flag: &AtomicBool, port: u16) {
    flag.store(true, Ordering::Relaxed);
    let _ = TcpStream::connect(("127.0.0.1", port));
}
