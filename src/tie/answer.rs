//! The result of a TIE request as the layers above use it: the transformed value, and its text
//! as Python's `json.dumps` writes it, made at most once however many times it is handed out.
//!
//! A cached answer is handed to every lookup it serves: sharing it (an `Arc`) instead of copying
//! the value, and keeping its JSON text with it, is most of what makes a cache hit cheap.

use std::any::Any;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::python::python_json_dumps;

/// A transformed result; cloning it is cheap (shared).
#[derive(Clone, Debug)]
pub struct Answer(Arc<Shared>);

struct Shared {
    value: Value,
    json: OnceLock<String>,
    /// What the layer above made of it (the C API's views), made once.
    derived: OnceLock<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

impl Answer {
    pub fn new(value: Value) -> Answer {
        Answer(Arc::new(Shared {
            value,
            json: OnceLock::new(),
            derived: OnceLock::new(),
        }))
    }

    pub fn value(&self) -> &Value {
        &self.0.value
    }

    /// `json.dumps` of the value, as Python writes it (made on first use, then kept).
    pub fn python_json(&self) -> &str {
        self.0.json.get_or_init(|| python_json_dumps(&self.0.value))
    }

    /// What a layer above makes of this answer (the C API's views of it), made by `make` once
    /// and shared by every holder after that: an answer served from the cache a thousand times
    /// is converted once. One form per answer: asked for another type, `make` runs every time.
    pub fn derived<T: Any + Send + Sync>(&self, make: impl FnOnce(&Answer) -> T) -> Arc<T> {
        if let Some(kept) = self.0.derived.get() {
            return match kept.clone().downcast::<T>() {
                Ok(kept) => kept,
                Err(_) => Arc::new(make(self)),
            };
        }
        let made = Arc::new(make(self));
        // Two threads may make it at once; whichever is kept, both are the same.
        let _ = self.0.derived.set(made.clone() as Arc<dyn Any + Send + Sync>);
        made
    }

    /// The value, moved out when this is its only holder, copied otherwise.
    pub fn into_value(self) -> Value {
        match Arc::try_unwrap(self.0) {
            Ok(shared) => shared.value,
            Err(shared) => shared.value.clone(),
        }
    }
}

impl PartialEq for Answer {
    fn eq(&self, other: &Answer) -> bool {
        self.value() == other.value()
    }
}
