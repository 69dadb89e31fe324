//! The library's threads and the host's signals.
//!
//! dxltie runs inside other programs (endpoint agents, Python). Its threads must never take a
//! signal meant for the host, and above all must never raise SIGPIPE in it: a TLS write to a
//! socket the broker has closed (a broker killed, a second agent with the same client id) makes
//! the kernel send SIGPIPE to the writing thread, and a C host with the default disposition
//! dies of it (exit 141). Rust's runtime ignores SIGPIPE only in Rust executables, never in a
//! library loaded by C.
//!
//! So every library thread starts with every asynchronous signal blocked. A write to a closed
//! socket then fails with EPIPE (which the client handles as a lost connection) and the SIGPIPE
//! stays pending on that thread, which never unblocks it; process-wide signals (SIGINT,
//! SIGTERM, SIGCHLD, …) go to the host's own threads, whose masks are untouched. Threads that
//! the library's threads start (tokio's resolver threads) inherit the mask. Synchronous fault
//! signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) stay unblocked: they are the
//! host's crash handlers' business, and blocking them would not stop the kernel anyway.

use std::io;
use std::thread::JoinHandle;

/// Starts a named library thread with every asynchronous signal blocked.
pub(crate) fn spawn<F>(name: &str, body: F) -> io::Result<JoinHandle<()>>
where
    F: FnOnce() + Send + 'static,
{
    let _mask = BlockedSignals::for_new_threads();
    // The new thread inherits the caller's mask as it is at pthread_create: no window in which
    // it could take a signal before it starts running.
    std::thread::Builder::new().name(name.to_owned()).spawn(body)
}

/// Blocks the asynchronous signals on the calling thread until dropped, when the previous mask
/// comes back.
struct BlockedSignals {
    #[cfg(unix)]
    previous: libc::sigset_t,
}

impl BlockedSignals {
    #[cfg(unix)]
    fn for_new_threads() -> Self {
        // SAFETY: sigset_t is plain data; every pointer passed is to a live local.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut set);
            for sync in [
                libc::SIGSEGV,
                libc::SIGBUS,
                libc::SIGFPE,
                libc::SIGILL,
                libc::SIGTRAP,
                libc::SIGSYS,
            ] {
                libc::sigdelset(&mut set, sync);
            }
            let mut previous: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut previous);
            BlockedSignals { previous }
        }
    }

    #[cfg(not(unix))]
    fn for_new_threads() -> Self {
        BlockedSignals {}
    }
}

impl Drop for BlockedSignals {
    #[cfg(unix)]
    fn drop(&mut self) {
        // SAFETY: restores the mask saved by `for_new_threads` on this same thread.
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.previous, std::ptr::null_mut());
        }
    }

    #[cfg(not(unix))]
    fn drop(&mut self) {}
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The signal mask of this thread, from /proc (SigBlk, a hex bit set).
    fn blocked_mask() -> u64 {
        let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("SigBlk:")).unwrap();
        u64::from_str_radix(line["SigBlk:".len()..].trim(), 16).unwrap()
    }

    fn bit(signal: i32) -> u64 {
        1 << (signal - 1)
    }

    #[test]
    fn library_threads_block_sigpipe_and_leave_the_caller_as_it_was() {
        let before = blocked_mask();
        let (tx, rx) = std::sync::mpsc::channel();
        super::spawn("dxltie-test", move || tx.send(blocked_mask()).unwrap())
            .unwrap()
            .join()
            .unwrap();
        let inside = rx.recv().unwrap();
        for s in [libc::SIGPIPE, libc::SIGINT, libc::SIGTERM, libc::SIGCHLD, libc::SIGUSR1] {
            assert_ne!(inside & bit(s), 0, "signal {s} not blocked in a library thread");
        }
        for s in [libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE] {
            assert_eq!(inside & bit(s), 0, "fault signal {s} blocked in a library thread");
        }
        assert_eq!(blocked_mask(), before, "the caller's mask changed");
    }
}
