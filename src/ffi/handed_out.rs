//! Everything the library hands to C to be freed later (handles, results, strings) is recorded
//! here by address and kind, so that a `_free` function frees only what this library handed
//! out, of the right kind, once.
//!
//! A C caller can get ownership wrong in ways the type system cannot stop: freeing twice,
//! freeing a copy of a result struct (a different address), passing a reputation list to the
//! string free function. Without this table each of those is undefined behaviour inside the
//! library; with it, each is refused with a logged error and the process goes on. The cost is
//! one uncontended lock per allocation and per free, nothing on the event path.

// hashbrown's default hasher, not SipHash: the keys are this library's own pointers, and the
// table is consulted for every result handed out and freed.
use hashbrown::HashMap;
use std::sync::{Mutex, OnceLock};

/// What a handed-out pointer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Client,
    Config,
    Reputations,
    FirstReferences,
    String,
    DxlMessage,
}

static TABLE: OnceLock<Mutex<HashMap<usize, Kind>>> = OnceLock::new();

fn table() -> &'static Mutex<HashMap<usize, Kind>> {
    TABLE.get_or_init(|| {
        at_fork::install();
        Mutex::new(HashMap::default())
    })
}

/// Runs `use_it` under the table's lock if `ptr` is live as `kind`: the handle cannot be taken
/// back (freed) while `use_it` runs. None when it is not live.
pub(crate) fn with_live<T, R>(ptr: *const T, kind: Kind, use_it: impl FnOnce() -> R) -> Option<R> {
    let live = table().lock().unwrap_or_else(|e| e.into_inner());
    (live.get(&(ptr as usize)) == Some(&kind)).then(use_it)
}

/// fork() copies the table's lock as it is: taken, if another thread was inside, and then
/// never released in the child, where every later allocation or free would hang. The lock is
/// therefore taken just before fork() (by the forking thread, which then owns it) and released
/// just after, in the parent and in the child alike.
#[cfg(unix)]
mod at_fork {
    use std::cell::RefCell;
    use std::sync::MutexGuard;

    use super::super::boundary;
    use super::{HashMap, Kind, TABLE};

    thread_local! {
        static HELD: RefCell<Option<MutexGuard<'static, HashMap<usize, Kind>>>> = const { RefCell::new(None) };
    }

    extern "C" fn prepare() {
        boundary::call_or("fork prepare", (), || {
            if let Some(table) = TABLE.get() {
                let guard = table.lock().unwrap_or_else(|e| e.into_inner());
                HELD.with(|h| *h.borrow_mut() = Some(guard));
            }
        })
    }

    // The child runs this on its one thread, the copy of the one that called fork().
    extern "C" fn release() {
        boundary::call_or("fork release", (), || {
            HELD.with(|h| h.borrow_mut().take());
        })
    }

    pub(super) fn install() {
        // SAFETY: registers three functions with the signature pthread_atfork expects; they
        // touch only this module's lock and thread-local.
        unsafe {
            libc::pthread_atfork(Some(prepare), Some(release), Some(release));
        }
    }
}

#[cfg(not(unix))]
mod at_fork {
    pub(super) fn install() {}
}

/// Records `ptr` as handed out; returns it.
pub(crate) fn give<T>(ptr: *mut T, kind: Kind) -> *mut T {
    table()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(ptr as usize, kind);
    ptr
}

/// Takes `ptr` back for freeing: true when it was handed out as `kind` and not taken back
/// since (it is then forgotten here); false otherwise, with the reason logged.
pub(crate) fn take_back<T>(ptr: *mut T, kind: Kind, function: &str) -> bool {
    let mut live = table().lock().unwrap_or_else(|e| e.into_inner());
    match live.get(&(ptr as usize)) {
        Some(k) if *k == kind => {
            live.remove(&(ptr as usize));
            true
        }
        Some(other) => {
            log::error!("{function}: {ptr:p} is a {other:?}, not a {kind:?}; not freed");
            false
        }
        None => {
            log::error!(
                "{function}: {ptr:p} was not handed out by this library or was already freed \
                 (a copy of a result struct is not the result); not freed"
            );
            false
        }
    }
}

/// Whether `ptr` is a live handle of `kind` (for a free function that must look inside it
/// before deciding to free it).
pub(crate) fn is_live<T>(ptr: *const T, kind: Kind) -> bool {
    table().lock().unwrap_or_else(|e| e.into_inner()).get(&(ptr as usize)) == Some(&kind)
}
