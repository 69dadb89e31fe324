//! DXL messages for C: one flat struct, `dxltie_dxl_message_t`, for every message type, both as
//! the library hands a received message to C (borrowed for a callback, or owned until
//! `dxltie_dxl_message_free`) and as the caller describes a message to send.
//!
//! It carries every field the wire carries (dxl-protocol.md §1.3): ids, topic, payload bytes,
//! source client, instance and broker ids, the client and broker id lists, the tenant GUIDs,
//! the other fields, and the type-specific fields (reply topic, service id, request message id,
//! error code and message).

use std::ffi::{c_char, CString};
use std::ptr;

use super::boundary;
use super::convert::{required_str, to_cstring};
use super::handed_out::{give, take_back, Kind};
use super::result::{FfiError, DXLTIE_E_INVALID_ARG};
use super::sized::{read_sized, SizedStruct};
use crate::dxl::{Message, MessageKind, MessageType};

/// The type of a DXL message: `DXLTIE_DXL_MESSAGE_TYPE_*` (the wire's numbers).
pub type dxltie_dxl_message_type_t = i32;
/// A request to a service (`dxlclient.message.Request`).
pub const DXLTIE_DXL_MESSAGE_TYPE_REQUEST: dxltie_dxl_message_type_t = 0;
/// A service's answer (`Response`).
pub const DXLTIE_DXL_MESSAGE_TYPE_RESPONSE: dxltie_dxl_message_type_t = 1;
/// An event (`Event`).
pub const DXLTIE_DXL_MESSAGE_TYPE_EVENT: dxltie_dxl_message_type_t = 2;
/// A service's or the fabric's error answer (`ErrorResponse`), with a code and a message.
pub const DXLTIE_DXL_MESSAGE_TYPE_ERROR_RESPONSE: dxltie_dxl_message_type_t = 3;

/// The fabric's error code when no service serves a request's topic ("unable to locate service
/// for request"), from the broker's registry or a client that no longer hosts the service.
#[allow(dead_code)] // for C only (the header)
pub const DXLTIE_DXL_SERVICE_UNAVAILABLE: u32 = 0x8000_0001;

/// A key and value: one of a message's other fields, or one item of a service's metadata.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct dxltie_dxl_field_t {
    pub key: *const c_char,
    pub value: *const c_char,
}

/// A DXL message of any type.
///
/// Received (callbacks, `dxltie_dxl_sync_request`): every string is non-NULL and
/// NUL-terminated ("" when the message did not carry it), arrays are NULL only when their count
/// is 0, `payload` points to `payload_len` bytes (not NUL-terminated). In a callback it is
/// borrowed for the call; from `dxltie_dxl_sync_request` it is yours until
/// `dxltie_dxl_message_free`.
///
/// To send: set `struct_size` to `sizeof(dxltie_dxl_message_t)` (`dxltie_dxl_message_init()`
/// does it and zeroes the rest), then the fields that apply; NULL strings and empty arrays
/// mean "not set". `topic` is required. `message_id` NULL or "" gets a new `{uuid}`.
/// `version` and (for requests) `reply_to_topic` are set by the library; the source ids are sent
/// as given (leave them NULL: a broker sets its own, and a received message passed on unchanged
/// would carry its original sender's).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct dxltie_dxl_message_t {
    /// Set by the caller to `sizeof(dxltie_dxl_message_t)` on a message it passes; on a
    /// message the library hands out, the size of the library's struct.
    pub struct_size: usize,
    /// `DXLTIE_DXL_MESSAGE_TYPE_*`.
    pub message_type: dxltie_dxl_message_type_t,
    /// The message format version read from the wire (the library writes 2, as Python does).
    pub version: u32,
    pub message_id: *const c_char,
    /// The topic the message was (or is to be) published on: `destination_topic` in Python.
    pub topic: *const c_char,
    pub payload: *const u8,
    pub payload_len: usize,
    pub source_client_id: *const c_char,
    /// The broker's id of the sender's connection (message version 3; "" otherwise).
    pub source_client_instance_id: *const c_char,
    pub source_broker_id: *const c_char,
    /// The clients the message is addressed to (empty: any).
    pub client_ids: *const *const c_char,
    pub client_id_count: usize,
    /// The brokers the message is addressed to (empty: any).
    pub broker_ids: *const *const c_char,
    pub broker_id_count: usize,
    pub source_tenant_guid: *const c_char,
    pub destination_tenant_guids: *const *const c_char,
    pub destination_tenant_guid_count: usize,
    /// String headers, in wire order.
    pub other_fields: *const dxltie_dxl_field_t,
    pub other_field_count: usize,
    /// Requests: the topic the answer goes to.
    pub reply_to_topic: *const c_char,
    /// Requests, responses and error responses: the service instance.
    pub service_id: *const c_char,
    /// Responses and error responses: the message id of the request answered.
    pub request_message_id: *const c_char,
    /// Error responses: the code as the fabric means it (`0x80000001`), whichever sign the
    /// sender wrote; 0 for other types.
    pub error_code: u32,
    /// Error responses: the error message; "" for other types.
    pub error_message: *const c_char,
}

// SAFETY: #[repr(C)], `struct_size: usize` first; the first released layout is the whole struct.
unsafe impl SizedStruct for dxltie_dxl_message_t {
    const MIN_SIZE: usize = std::mem::size_of::<dxltie_dxl_message_t>();
}

impl dxltie_dxl_message_t {
    fn zeroed() -> Self {
        dxltie_dxl_message_t {
            struct_size: std::mem::size_of::<Self>(),
            message_type: 0,
            version: 0,
            message_id: ptr::null(),
            topic: ptr::null(),
            payload: ptr::null(),
            payload_len: 0,
            source_client_id: ptr::null(),
            source_client_instance_id: ptr::null(),
            source_broker_id: ptr::null(),
            client_ids: ptr::null(),
            client_id_count: 0,
            broker_ids: ptr::null(),
            broker_id_count: 0,
            source_tenant_guid: ptr::null(),
            destination_tenant_guids: ptr::null(),
            destination_tenant_guid_count: 0,
            other_fields: ptr::null(),
            other_field_count: 0,
            reply_to_topic: ptr::null(),
            service_id: ptr::null(),
            request_message_id: ptr::null(),
            error_code: 0,
            error_message: ptr::null(),
        }
    }
}

/// A list of C strings and the array of pointers to them.
pub(crate) struct StringList {
    _strings: Vec<CString>,
    pointers: Vec<*const c_char>,
}

impl StringList {
    pub fn new<'a>(items: impl IntoIterator<Item = &'a String>) -> Self {
        let strings: Vec<CString> = items.into_iter().map(|s| to_cstring(s)).collect();
        let pointers = strings.iter().map(|s| s.as_ptr()).collect();
        StringList {
            _strings: strings,
            pointers,
        }
    }

    pub fn ptr(&self) -> *const *const c_char {
        if self.pointers.is_empty() {
            ptr::null()
        } else {
            self.pointers.as_ptr()
        }
    }

    pub fn len(&self) -> usize {
        self.pointers.len()
    }
}

/// Key/value pairs as C strings and their array.
pub(crate) struct FieldList {
    _strings: Vec<(CString, CString)>,
    fields: Vec<dxltie_dxl_field_t>,
}

impl FieldList {
    pub fn new(pairs: &[(String, String)]) -> Self {
        let strings: Vec<(CString, CString)> = pairs.iter().map(|(k, v)| (to_cstring(k), to_cstring(v))).collect();
        let fields = strings
            .iter()
            .map(|(k, v)| dxltie_dxl_field_t {
                key: k.as_ptr(),
                value: v.as_ptr(),
            })
            .collect();
        FieldList {
            _strings: strings,
            fields,
        }
    }

    pub fn ptr(&self) -> *const dxltie_dxl_field_t {
        if self.fields.is_empty() {
            ptr::null()
        } else {
            self.fields.as_ptr()
        }
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }
}

/// Owns every string and array a message view points to, and the payload.
pub(crate) struct MessageStorage {
    strings: Vec<CString>,
    client_ids: StringList,
    broker_ids: StringList,
    tenants: StringList,
    other_fields: FieldList,
    payload: Vec<u8>,
    view: dxltie_dxl_message_t,
}

// SAFETY: the raw pointers in `view` and the lists point into heap buffers this struct owns and
// never changes after construction; moving the struct moves no buffer, and nothing is shared
// mutably.
unsafe impl Send for MessageStorage {}

impl MessageStorage {
    pub fn new(m: &Message) -> Box<Self> {
        let (reply_to, service, request_id, error_code, error_message) = match &m.kind {
            MessageKind::Request {
                reply_to_topic,
                service_id,
            } => (reply_to_topic.as_str(), service_id.as_str(), "", 0, ""),
            MessageKind::Response {
                request_message_id,
                service_id,
            } => ("", service_id.as_str(), request_message_id.as_str(), 0, ""),
            MessageKind::Event => ("", "", "", 0, ""),
            MessageKind::ErrorResponse {
                request_message_id,
                service_id,
                error_message,
                ..
            } => (
                "",
                service_id.as_str(),
                request_message_id.as_str(),
                m.error_code_u32().unwrap_or(0),
                error_message.as_str(),
            ),
        };
        // Order matters: the indices below name these strings.
        let strings: Vec<CString> = [
            m.message_id.as_str(),
            m.destination_topic.as_str(),
            m.source_client_id.as_str(),
            m.source_client_instance_id.as_str(),
            m.source_broker_id.as_str(),
            m.source_tenant_guid.as_str(),
            reply_to,
            service,
            request_id,
            error_message,
        ]
        .iter()
        .map(|s| to_cstring(s))
        .collect();
        let mut storage = Box::new(MessageStorage {
            client_ids: StringList::new(&m.client_ids),
            broker_ids: StringList::new(&m.broker_ids),
            tenants: StringList::new(&m.destination_tenant_guids),
            other_fields: FieldList::new(&m.other_fields),
            payload: m.payload.clone(),
            strings,
            view: dxltie_dxl_message_t::zeroed(),
        });
        let s = &storage.strings;
        let view = dxltie_dxl_message_t {
            struct_size: std::mem::size_of::<dxltie_dxl_message_t>(),
            message_type: match m.message_type() {
                MessageType::Request => DXLTIE_DXL_MESSAGE_TYPE_REQUEST,
                MessageType::Response => DXLTIE_DXL_MESSAGE_TYPE_RESPONSE,
                MessageType::Event => DXLTIE_DXL_MESSAGE_TYPE_EVENT,
                MessageType::ErrorResponse => DXLTIE_DXL_MESSAGE_TYPE_ERROR_RESPONSE,
            },
            version: m.version,
            message_id: s[0].as_ptr(),
            topic: s[1].as_ptr(),
            payload: if storage.payload.is_empty() {
                ptr::null()
            } else {
                storage.payload.as_ptr()
            },
            payload_len: storage.payload.len(),
            source_client_id: s[2].as_ptr(),
            source_client_instance_id: s[3].as_ptr(),
            source_broker_id: s[4].as_ptr(),
            client_ids: storage.client_ids.ptr(),
            client_id_count: storage.client_ids.len(),
            broker_ids: storage.broker_ids.ptr(),
            broker_id_count: storage.broker_ids.len(),
            source_tenant_guid: s[5].as_ptr(),
            destination_tenant_guids: storage.tenants.ptr(),
            destination_tenant_guid_count: storage.tenants.len(),
            other_fields: storage.other_fields.ptr(),
            other_field_count: storage.other_fields.len(),
            reply_to_topic: s[6].as_ptr(),
            service_id: s[7].as_ptr(),
            request_message_id: s[8].as_ptr(),
            error_code,
            error_message: s[9].as_ptr(),
        };
        storage.view = view;
        storage
    }

    pub fn view(&self) -> &dxltie_dxl_message_t {
        &self.view
    }
}

/// What a `dxltie_dxl_message_t *` handed to C really points to (`view` first).
#[repr(C)]
struct OwnedMessage {
    view: dxltie_dxl_message_t,
    _storage: Box<MessageStorage>,
}

/// A message for C to free with `dxltie_dxl_message_free`.
pub(crate) fn give_message(m: &Message) -> *mut dxltie_dxl_message_t {
    let storage = MessageStorage::new(m);
    let owned = Box::new(OwnedMessage {
        view: *storage.view(),
        _storage: storage,
    });
    give(Box::into_raw(owned).cast(), Kind::DxlMessage)
}

/// Frees a message the library returned (`dxltie_dxl_sync_request`). NULL is a no-op; a pointer
/// this library did not hand out as a message, or already freed (a copy of the struct is not
/// the message), is not freed: an error is logged and nothing else happens.
///
/// Pointers: `message` must be NULL or a pointer; it is only compared, never followed, unless
/// this library handed it out.
#[no_mangle]
pub unsafe extern "C" fn dxltie_dxl_message_free(message: *mut dxltie_dxl_message_t) {
    boundary::call_or("dxltie_dxl_message_free", (), || {
        if !message.is_null() && take_back(message, Kind::DxlMessage, "dxltie_dxl_message_free") {
            // SAFETY: `take_back` found `message` among the live messages `give_message` made
            // from a `Box<OwnedMessage>` (`view` first in the #[repr(C)] struct) and forgot it,
            // so this is its one and only free.
            drop(unsafe { Box::from_raw(message.cast::<OwnedMessage>()) });
        }
    })
}

// -------------------------------------------------------------------------------------------
// Reading a message the caller describes

/// An optional string: NULL gives "".
///
/// Pointers: `ptr` must be NULL or a NUL-terminated string.
pub(crate) unsafe fn text(ptr: *const c_char, name: &str) -> Result<String, FfiError> {
    if ptr.is_null() {
        Ok(String::new())
    } else {
        // SAFETY: not NULL, so NUL-terminated by this function's contract; copied at once.
        Ok(unsafe { required_str(ptr, name) }?.to_owned())
    }
}

/// A C array of strings; `count` 0 gives an empty list whatever `items` is.
///
/// Pointers: `items` must be NULL or point to `count` pointers, each NULL (refused) or a
/// NUL-terminated string.
pub(crate) unsafe fn string_array(
    items: *const *const c_char,
    count: usize,
    name: &str,
) -> Result<Vec<String>, FfiError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    check_size(count, name)?;
    if items.is_null() {
        return Err(FfiError::null_arg(name));
    }
    // SAFETY: not NULL and `count` > 0 (checked above); `count` readable pointers by contract.
    let slice = unsafe { std::slice::from_raw_parts(items, count) };
    slice
        .iter()
        .enumerate()
        // SAFETY: each is NULL (refused by required_str) or NUL-terminated, by contract.
        .map(|(i, p)| unsafe { required_str(*p, &format!("{name}[{i}]")) }.map(str::to_owned))
        .collect()
}

/// Refuses a length or count no DXL message can carry, before anything is read or copied: a
/// garbage value would otherwise make the copy read far past the caller's memory or fail an
/// allocation, which aborts the process.
pub(crate) fn check_size(len: usize, name: &str) -> Result<(), FfiError> {
    if len > crate::dxl::MAX_MESSAGE {
        return Err(FfiError::new(
            DXLTIE_E_INVALID_ARG,
            format!(
                "{name}: {len} is more than a DXL message can carry ({} bytes)",
                crate::dxl::MAX_MESSAGE
            ),
        ));
    }
    Ok(())
}

/// The bytes of a caller's payload, copied.
///
/// Pointers: `payload` must be NULL or point to `len` readable bytes.
pub(crate) unsafe fn payload_bytes(payload: *const u8, len: usize, name: &str) -> Result<Vec<u8>, FfiError> {
    if len == 0 {
        return Ok(Vec::new());
    }
    check_size(len, name)?;
    if payload.is_null() {
        return Err(FfiError::null_arg(name));
    }
    // SAFETY: not NULL, `len` is within bounds (checked above), and by this function's contract
    // `payload` points to `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(payload, len) }.to_vec())
}

/// A C array of key/value pairs.
///
/// Pointers: `items` must be NULL or point to `count` fields whose strings are NULL (refused)
/// or NUL-terminated.
pub(crate) unsafe fn field_array(
    items: *const dxltie_dxl_field_t,
    count: usize,
    name: &str,
) -> Result<Vec<(String, String)>, FfiError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    check_size(count, name)?;
    if items.is_null() {
        return Err(FfiError::null_arg(name));
    }
    // SAFETY: not NULL and `count` > 0 (checked above); `count` readable fields by contract.
    let slice = unsafe { std::slice::from_raw_parts(items, count) };
    slice
        .iter()
        .enumerate()
        .map(|(i, f)| {
            // SAFETY: NULL (refused) or NUL-terminated, by contract.
            let k = unsafe { required_str(f.key, &format!("{name}[{i}].key")) }?;
            // SAFETY: as above.
            let v = unsafe { required_str(f.value, &format!("{name}[{i}].value")) }?;
            Ok((k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// The message a caller describes, as a Message of type `as_type` (the struct's own
/// `message_type` when None). Every field is read; which ones matter depends on the use.
///
/// Pointers: `message` must be NULL or point to `message->struct_size` readable bytes of a
/// `dxltie_dxl_message_t` whose pointers are NULL or valid as its documentation says.
pub(crate) unsafe fn message_from_c(
    message: *const dxltie_dxl_message_t,
    name: &str,
    as_type: Option<MessageType>,
) -> Result<Message, FfiError> {
    // SAFETY: this function's contract is `read_sized`'s.
    let m = unsafe { read_sized(message, name) }?;
    let message_type = match as_type {
        Some(t) => t,
        None => MessageType::from_wire(i64::from(m.message_type)).ok_or_else(|| {
            FfiError::new(
                DXLTIE_E_INVALID_ARG,
                format!(
                    "{name}->message_type {} is not a DXLTIE_DXL_MESSAGE_TYPE_*",
                    m.message_type
                ),
            )
        })?,
    };
    // The string fields are NULL or NUL-terminated, as the struct's documentation says, by this
    // function's contract.
    let t = |p: *const c_char, field: &str| {
        // SAFETY: `p` is one of the struct's string fields: NULL or NUL-terminated (see above).
        unsafe { text(p, &format!("{name}->{field}")) }
    };
    let topic = t(m.topic, "topic")?;
    if topic.is_empty() {
        return Err(FfiError::new(
            DXLTIE_E_INVALID_ARG,
            format!("{name}->topic is NULL or empty: a message needs a topic"),
        ));
    }
    // SAFETY: by contract `payload` is NULL or points to `payload_len` readable bytes.
    let payload = unsafe { payload_bytes(m.payload, m.payload_len, &format!("{name}->payload")) }?;
    let service_id = t(m.service_id, "service_id")?;
    let request_message_id = t(m.request_message_id, "request_message_id")?;
    let kind = match message_type {
        MessageType::Request => MessageKind::Request {
            reply_to_topic: t(m.reply_to_topic, "reply_to_topic")?,
            service_id,
        },
        MessageType::Response => MessageKind::Response {
            request_message_id,
            service_id,
        },
        MessageType::Event => MessageKind::Event,
        MessageType::ErrorResponse => MessageKind::ErrorResponse {
            request_message_id,
            service_id,
            error_code: i64::from(m.error_code),
            error_message: t(m.error_message, "error_message")?,
        },
    };
    let mut out = match message_type {
        MessageType::Event => Message::event(&topic, payload),
        _ => {
            let mut r = Message::request(&topic, payload);
            r.kind = kind;
            r
        }
    };
    let id = t(m.message_id, "message_id")?;
    if !id.is_empty() {
        out.message_id = id;
    }
    out.source_client_id = t(m.source_client_id, "source_client_id")?;
    out.source_client_instance_id = t(m.source_client_instance_id, "source_client_instance_id")?;
    out.source_broker_id = t(m.source_broker_id, "source_broker_id")?;
    out.source_tenant_guid = t(m.source_tenant_guid, "source_tenant_guid")?;
    // SAFETY: see above.
    out.client_ids = unsafe { string_array(m.client_ids, m.client_id_count, &format!("{name}->client_ids")) }?;
    // SAFETY: see above.
    out.broker_ids = unsafe { string_array(m.broker_ids, m.broker_id_count, &format!("{name}->broker_ids")) }?;
    // SAFETY: see above.
    out.destination_tenant_guids = unsafe {
        string_array(
            m.destination_tenant_guids,
            m.destination_tenant_guid_count,
            &format!("{name}->destination_tenant_guids"),
        )
    }?;
    // SAFETY: see above.
    out.other_fields = unsafe { field_array(m.other_fields, m.other_field_count, &format!("{name}->other_fields")) }?;
    Ok(out)
}
