//! The convention for structs the caller allocates and the library fills (ABI 1.0): the first
//! field, `struct_size`, is set by the caller to `sizeof` the struct as its header declares it.
//!
//! Such structs only ever grow at their end. A program built against an older header passes a
//! smaller `struct_size`: the library fills only the fields that fit and never writes past
//! them. A program built against a newer header passes a larger one: the library fills what it
//! knows and zeroes the rest, so a field the library does not have yet reads as 0. Either way
//! `struct_size` comes back as the number of bytes the library filled.

use std::mem::size_of;

use super::result::{FfiError, DXLTIE_E_INVALID_ARG};

/// The largest `struct_size` believed: far above any struct of the convention.
const MAX_STRUCT_SIZE: usize = 4096;

/// A struct that follows the convention: `#[repr(C)]`, `struct_size: usize` first.
///
/// Implementors: must be `#[repr(C)]` with a `usize` as their first field, only plain data
/// (integers, raw pointers, `Option` of function pointers: all-zero bytes a valid value), and
/// `MIN_SIZE` must be at most `size_of::<Self>()`.
// The contract is the "Implementors:" paragraph above: src/ffi writes contracts as plain
// paragraphs ("Pointers:", for C readers), never as `# Safety` headings.
#[allow(clippy::missing_safety_doc)]
pub(crate) unsafe trait SizedStruct: Copy {
    /// The size of the struct's first released layout: a smaller `struct_size` is refused.
    const MIN_SIZE: usize;
}

/// Writes `value` into the caller's struct at `out`, as much of it as the caller's
/// `struct_size` says it has room for.
///
/// Pointers: `out` must be NULL or point to at least `(*out).struct_size` writable bytes, the
/// caller's promise that comes with the convention.
pub(crate) unsafe fn write_sized<T: SizedStruct>(out: *mut T, value: T, name: &str) -> Result<(), FfiError> {
    if out.is_null() {
        return Err(FfiError::null_arg(name));
    }
    // SAFETY: `out` is not NULL (checked above) and, by this function's contract, points to at
    // least its own `struct_size` bytes, which start with the caller's usize (read unaligned).
    let caller_size = unsafe { out.cast::<usize>().read_unaligned() };
    // A struct of the convention stays small; a larger size is garbage (an uninitialised
    // struct_size), and trusting it would write over the caller's stack.
    if caller_size > MAX_STRUCT_SIZE {
        return Err(FfiError::new(
            DXLTIE_E_INVALID_ARG,
            format!(
                "{name}->struct_size is {caller_size}: not set? Set it to sizeof the struct (use the _init function)"
            ),
        ));
    }
    if caller_size < T::MIN_SIZE {
        return Err(FfiError::new(
            DXLTIE_E_INVALID_ARG,
            format!(
                "{name}->struct_size is {caller_size}; set it to sizeof the struct (at least {})",
                T::MIN_SIZE
            ),
        ));
    }
    let filled = caller_size.min(size_of::<T>());
    let bytes = out.cast::<u8>();
    // SAFETY: the caller has `caller_size` bytes at `out`; we write `filled` ≤ `caller_size`
    // bytes of `value` and zero the rest of the caller's bytes, then the size field.
    unsafe {
        std::ptr::copy_nonoverlapping((&value as *const T).cast::<u8>(), bytes, filled);
        std::ptr::write_bytes(bytes.add(filled), 0, caller_size - filled);
        out.cast::<usize>().write_unaligned(filled);
    }
    Ok(())
}

/// Reads the caller's struct at `ptr`, as much of it as its `struct_size` says it has: a
/// program built against an older header passes a smaller struct, whose missing fields read
/// as zero (NULL, 0); one built against a newer header passes a larger one, whose fields this
/// library does not know are ignored.
///
/// Pointers: `ptr` must be NULL or point to at least `(*ptr).struct_size` readable bytes.
pub(crate) unsafe fn read_sized<T: SizedStruct>(ptr: *const T, name: &str) -> Result<T, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null_arg(name));
    }
    // SAFETY: not NULL (checked above); by this function's contract it starts with the
    // caller's usize (read unaligned).
    let caller_size = unsafe { ptr.cast::<usize>().read_unaligned() };
    if caller_size > MAX_STRUCT_SIZE || caller_size < T::MIN_SIZE {
        return Err(FfiError::new(
            DXLTIE_E_INVALID_ARG,
            format!("{name}->struct_size is {caller_size}: set it to sizeof the struct (use the _init function)"),
        ));
    }
    let filled = caller_size.min(size_of::<T>());
    let mut value = std::mem::MaybeUninit::<T>::zeroed();
    // SAFETY: the caller has `caller_size` ≥ `filled` readable bytes at `ptr`; `value` has
    // `size_of::<T>()` ≥ `filled` bytes. Every `SizedStruct` is plain data (integers and raw
    // pointers), for which all-zero bytes and the caller's bytes are valid values.
    unsafe {
        std::ptr::copy_nonoverlapping(ptr.cast::<u8>(), value.as_mut_ptr().cast::<u8>(), filled);
        Ok(value.assume_init())
    }
}
