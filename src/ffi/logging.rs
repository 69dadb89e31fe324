//! Log records to a C callback, or to stderr when `DXLTIE_LOG` asks for it (c-api.md
//! "Logging"). Without either, the library prints nothing: it lives inside someone else's agent.

use std::ffi::{c_char, c_void, CString};
use std::sync::{Once, RwLock, RwLockWriteGuard, TryLockError};
use std::time::{Duration, Instant};

use super::boundary;
use super::result::{dxltie_result_t, FfiError, DXLTIE_E_WOULD_DEADLOCK};

/// Log levels, most severe first: `DXLTIE_LOG_*`.
pub type dxltie_log_level_t = i32;
pub const DXLTIE_LOG_ERROR: dxltie_log_level_t = 1;
pub const DXLTIE_LOG_WARN: dxltie_log_level_t = 2;
pub const DXLTIE_LOG_INFO: dxltie_log_level_t = 3;
pub const DXLTIE_LOG_DEBUG: dxltie_log_level_t = 4;
pub const DXLTIE_LOG_TRACE: dxltie_log_level_t = 5;

/// Receives one log record: its level, the module it comes from and the message. The strings
/// are borrowed for the call. Called on whichever library thread logs; must not block long.
pub type dxltie_log_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        level: dxltie_log_level_t,
        target: *const c_char,
        message: *const c_char,
    ),
>;

struct Sink {
    callback: unsafe extern "C" fn(*mut c_void, dxltie_log_level_t, *const c_char, *const c_char),
    user_data: usize,
    max_level: log::LevelFilter,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

/// The sink, for changing it: waits up to a few seconds for log calls in progress, then gives
/// up with `DXLTIE_E_WOULD_DEADLOCK` rather than block for ever. That happens when called from
/// inside the log callback itself, and in a child made by fork() while one of the parent's
/// threads was logging (its read lock was copied into the child and is never released).
fn sink_for_writing() -> Result<RwLockWriteGuard<'static, Option<Sink>>, FfiError> {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match SINK.try_write() {
            Ok(guard) => return Ok(guard),
            Err(TryLockError::Poisoned(p)) => return Ok(p.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(1)),
            Err(TryLockError::WouldBlock) => {
                return Err(FfiError::new(
                    DXLTIE_E_WOULD_DEADLOCK,
                    "dxltie_set_log_callback: the log callback stayed in use (called from inside the log \
                     callback, or in a child made by fork() while the parent was logging)",
                ))
            }
        }
    }
}
static INSTALL: Once = Once::new();

struct Logger {
    stderr_level: log::LevelFilter,
}

fn level_of(level: log::Level) -> dxltie_log_level_t {
    match level {
        log::Level::Error => DXLTIE_LOG_ERROR,
        log::Level::Warn => DXLTIE_LOG_WARN,
        log::Level::Info => DXLTIE_LOG_INFO,
        log::Level::Debug => DXLTIE_LOG_DEBUG,
        log::Level::Trace => DXLTIE_LOG_TRACE,
    }
}

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        let sink = SINK
            .try_read()
            .map(|s| s.as_ref().map_or(log::LevelFilter::Off, |s| s.max_level))
            .unwrap_or(log::LevelFilter::Off);
        metadata.level() <= sink.max(self.stderr_level)
    }

    fn log(&self, record: &log::Record) {
        // try_read: a record is dropped rather than wait. In a child made by fork() while a
        // parent's thread was changing the sink, the lock stays taken for ever; logging must
        // never hang a thread for that.
        if let Ok(sink) = SINK.try_read() {
            if let Some(s) = sink.as_ref().filter(|s| record.level() <= s.max_level) {
                let target = CString::new(record.target().replace('\0', "")).unwrap_or_default();
                let message = CString::new(record.args().to_string().replace('\0', "\\0")).unwrap_or_default();
                // SAFETY: `dxltie_set_log_callback`'s caller keeps `callback` callable with
                // `user_data` until replaced or removed, and the sink is read-locked, so it is
                // neither; `target` and `message` are NUL-terminated and live through the call.
                unsafe {
                    (s.callback)(
                        s.user_data as *mut c_void,
                        level_of(record.level()),
                        target.as_ptr(),
                        message.as_ptr(),
                    )
                };
            }
        }
        if record.level() <= self.stderr_level {
            eprintln!("dxltie {} {}: {}", record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

/// Installs the library's logger once per process (unless the host already installed one
/// through Rust, in which case records go there).
pub(crate) fn install() {
    INSTALL.call_once(|| {
        let stderr_level = match std::env::var("DXLTIE_LOG")
            .ok()
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("error") => log::LevelFilter::Error,
            Some("warn") => log::LevelFilter::Warn,
            Some("info") => log::LevelFilter::Info,
            Some("debug") | Some("1") => log::LevelFilter::Debug,
            Some("trace") => log::LevelFilter::Trace,
            _ => log::LevelFilter::Off,
        };
        // Leaked once per process: the logger must live as long as the process.
        let logger: &'static Logger = Box::leak(Box::new(Logger { stderr_level }));
        if log::set_logger(logger).is_ok() {
            log::set_max_level(log::LevelFilter::Trace);
        }
    });
}

/// Sends the library's log records up to `max_level` to `callback`. A NULL `callback` stops
/// them, whatever `max_level` says. Process-wide; the last call wins. Without a callback nothing
/// is printed unless the environment variable `DXLTIE_LOG` is `error`, `warn`, `info`, `debug`
/// or `trace` (stderr). The callback runs on whichever thread logs, library threads included
/// (see "Threads" at the top): keep it short and do not call into the library from it. This
/// call waits for log calls in progress, at most 3 s, then gives up with
/// `DXLTIE_E_WOULD_DEADLOCK` (called from inside the log callback, or in a forked child while
/// the parent was logging).
///
/// Pointers: `callback` must stay callable with `user_data` until it is replaced or removed.
#[no_mangle]
pub unsafe extern "C" fn dxltie_set_log_callback(
    callback: dxltie_log_fn,
    user_data: *mut c_void,
    max_level: dxltie_log_level_t,
) -> dxltie_result_t {
    boundary::call("dxltie_set_log_callback", || {
        install();
        let Some(callback) = callback else {
            *sink_for_writing()? = None;
            return Ok(());
        };
        let level = match max_level {
            DXLTIE_LOG_ERROR => log::LevelFilter::Error,
            DXLTIE_LOG_WARN => log::LevelFilter::Warn,
            DXLTIE_LOG_INFO => log::LevelFilter::Info,
            DXLTIE_LOG_DEBUG => log::LevelFilter::Debug,
            DXLTIE_LOG_TRACE => log::LevelFilter::Trace,
            other => {
                return Err(super::result::FfiError::new(
                    super::result::DXLTIE_E_INVALID_ARG,
                    format!("unknown log level {other}"),
                ))
            }
        };
        let mut sink = sink_for_writing()?;
        *sink = Some(Sink {
            callback,
            user_data: user_data as usize,
            max_level: level,
        });
        Ok(())
    })
}
