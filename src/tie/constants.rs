//! Every constant the Python `dxltieclient` 0.3.0 exports (spec §1.1 and §4).
//!
//! Python groups its constants in classes (`TrustLevel.KNOWN_TRUSTED`, …). Rust has no
//! attribute-bag classes, so each Python class becomes a module of `pub const`s with the same
//! names and values: `trust_level::KNOWN_TRUSTED` reads like `TrustLevel.KNOWN_TRUSTED`. Python
//! subclasses (e.g. `CertReputationProp(ReputationProp)`) become modules that re-export their
//! parent's constants, so every name Python resolves on a subclass also resolves here.
//!
//! Where a Python method validates membership (`TieClient.valid_parameter`), the module also has
//! an `ALL` list; [`crate::tie::helpers`] tests membership against it.

/// The DXL topics used by the TIE client (spec §1.1).
pub mod topics {
    /// Request: get a file's reputations (`get_file_reputation`).
    pub const TIE_GET_FILE_REPUTATION_TOPIC: &str = "/mcafee/service/tie/file/reputation";
    /// Request: set a file's Enterprise reputation (`set_file_reputation`).
    pub const TIE_SET_FILE_REPUTATION_TOPIC: &str = "/mcafee/service/tie/file/reputation/set";
    /// Request: which systems first referenced a file (`get_file_first_references`).
    pub const TIE_GET_FILE_FIRST_REFS: &str = "/mcafee/service/tie/file/agents";
    /// Request: get a certificate's reputations (`get_certificate_reputation`).
    pub const TIE_GET_CERT_REPUTATION_TOPIC: &str = "/mcafee/service/tie/cert/reputation";
    /// Request: set a certificate's Enterprise reputation (`set_certificate_reputation`).
    pub const TIE_SET_CERT_REPUTATION_TOPIC: &str = "/mcafee/service/tie/cert/reputation/set";
    /// Request: which systems first referenced a certificate (`get_certificate_first_references`).
    pub const TIE_GET_CERT_FIRST_REFS: &str = "/mcafee/service/tie/cert/agents";
    /// Event *sent* by the client: the External provider's file report
    /// (`set_external_file_reputation`).
    pub const TIE_EVENT_EXTERNAL_FILE_REPORT_TOPIC: &str = "/mcafee/event/external/file/report";
    /// Event received: a file detection.
    pub const TIE_EVENT_FILE_DETECTION_TOPIC: &str = "/mcafee/event/tie/file/detection";
    /// Event received: the first time a file is seen in the enterprise.
    pub const TIE_EVENT_FILE_FIRST_INSTANCE_TOPIC: &str = "/mcafee/event/tie/file/firstinstance";
    /// Event received: a file's reputation changed.
    pub const TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC: &str = "/mcafee/event/tie/file/repchange/broadcast";
    /// Event received: a certificate's reputation changed.
    pub const TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC: &str = "/mcafee/event/tie/cert/repchange/broadcast";
    /// Defined by Python but used by no method or callback; kept for completeness.
    pub const TIE_EVENT_FILE_PREVALENCE_CHANGE_TOPIC: &str = "/mcafee/event/tie/file/prevalence";
}

/// `HashType`: the hash type names used as keys of hash maps.
pub mod hash_type {
    pub const MD5: &str = "md5";
    pub const SHA1: &str = "sha1";
    pub const SHA256: &str = "sha256";
}

/// `FileProvider`: the `providerId` of each file reputation source.
pub mod file_provider {
    /// McAfee Global Threat Intelligence.
    pub const GTI: i64 = 1;
    /// The enterprise's own reputation (set with `set_file_reputation`).
    pub const ENTERPRISE: i64 = 3;
    /// McAfee Advanced Threat Defense.
    pub const ATD: i64 = 5;
    /// McAfee Web Gateway.
    pub const MWG: i64 = 7;
    /// External provider (set with `set_external_file_reputation`); was 11 before 2019-09.
    pub const EXTERNAL: i64 = 15;
}

/// `CertProvider`: the `providerId` of each certificate reputation source.
pub mod cert_provider {
    pub const GTI: i64 = 2;
    pub const ENTERPRISE: i64 = 4;
}

/// `TrustLevel`: the reputation scale used in `trustLevel` fields.
pub mod trust_level {
    pub const KNOWN_TRUSTED_INSTALLER: i32 = 100;
    pub const KNOWN_TRUSTED: i32 = 99;
    pub const MOST_LIKELY_TRUSTED: i32 = 85;
    pub const MIGHT_BE_TRUSTED: i32 = 70;
    pub const UNKNOWN: i32 = 50;
    pub const MIGHT_BE_MALICIOUS: i32 = 30;
    pub const MOST_LIKELY_MALICIOUS: i32 = 15;
    pub const KNOWN_MALICIOUS: i32 = 1;
    pub const NOT_SET: i32 = 0;

    /// Every `TrustLevel` value, which is what `TieClient.valid_parameter(TrustLevel, v)` accepts.
    pub const ALL: [i32; 9] = [
        KNOWN_TRUSTED_INSTALLER,
        KNOWN_TRUSTED,
        MOST_LIKELY_TRUSTED,
        MIGHT_BE_TRUSTED,
        UNKNOWN,
        MIGHT_BE_MALICIOUS,
        MOST_LIKELY_MALICIOUS,
        KNOWN_MALICIOUS,
        NOT_SET,
    ];
}

/// `AtdTrustLevel`: the (signed) scale ATD reports inside its attributes ([`atd_attrib`]).
pub mod atd_trust_level {
    pub const NOT_SET: i32 = -2;
    pub const KNOWN_TRUSTED: i32 = -1;
    pub const MOST_LIKELY_TRUSTED: i32 = 0;
    pub const MIGHT_BE_TRUSTED: i32 = 1;
    pub const UNKNOWN: i32 = 2;
    pub const MIGHT_BE_MALICIOUS: i32 = 3;
    pub const MOST_LIKELY_MALICIOUS: i32 = 4;
    pub const KNOWN_MALICIOUS: i32 = 5;

    /// Every `AtdTrustLevel` value.
    pub const ALL: [i32; 8] = [
        NOT_SET,
        KNOWN_TRUSTED,
        MOST_LIKELY_TRUSTED,
        MIGHT_BE_TRUSTED,
        UNKNOWN,
        MIGHT_BE_MALICIOUS,
        MOST_LIKELY_MALICIOUS,
        KNOWN_MALICIOUS,
    ];
}

/// `ReputationProp`: the keys of a reputation object.
pub mod reputation_prop {
    pub const PROVIDER_ID: &str = "providerId";
    pub const TRUST_LEVEL: &str = "trustLevel";
    pub const CREATE_DATE: &str = "createDate";
    pub const ATTRIBUTES: &str = "attributes";
}

/// `FileReputationProp(ReputationProp)`: no additions.
pub mod file_reputation_prop {
    pub use super::reputation_prop::*;
}

/// `CertReputationProp(ReputationProp)`: adds the overridden-files object.
pub mod cert_reputation_prop {
    pub use super::reputation_prop::*;
    /// Files whose own reputation overrides the certificate's
    /// (see [`cert_reputation_overridden_prop`](super::cert_reputation_overridden_prop)).
    pub const OVERRIDDEN: &str = "overridden";
}

/// `CertReputationOverriddenProp`: the keys of a certificate reputation's `overridden` object.
pub mod cert_reputation_overridden_prop {
    /// A list of `{"hashes": …}` objects.
    pub const FILES: &str = "files";
    /// 1 when the `files` list was truncated.
    pub const TRUNCATED: &str = "truncated";
}

/// `FirstRefProp`: the keys of a first-reference (agent) object.
pub mod first_ref_prop {
    /// Epoch seconds of the first reference.
    pub const DATE: &str = "date";
    pub const SYSTEM_GUID: &str = "agentGuid";
}

/// `RepChangeEventProp`: the keys of a reputation-change event.
pub mod rep_change_event_prop {
    pub const HASHES: &str = "hashes";
    pub const NEW_REPUTATIONS: &str = "newReputations";
    pub const OLD_REPUTATIONS: &str = "oldReputations";
    pub const UPDATE_TIME: &str = "updateTime";
}

/// `FileRepChangeEventProp(RepChangeEventProp)`: adds the certificate relationship.
pub mod file_rep_change_event_prop {
    pub use super::rep_change_event_prop::*;
    pub const RELATIONSHIPS: &str = "relationships";
}

/// `CertRepChangeEventProp(RepChangeEventProp)`: adds the certificate's public-key SHA-1.
pub mod cert_rep_change_event_prop {
    pub use super::rep_change_event_prop::*;
    pub const PUBLIC_KEY_SHA1: &str = "publicKeySha1";
}

/// `DetectionEventProp`: the keys of a detection event.
pub mod detection_event_prop {
    pub const SYSTEM_GUID: &str = "agentGuid";
    pub const HASHES: &str = "hashes";
    pub const DETECTION_TIME: &str = "detectionTime";
    pub const LOCAL_REPUTATION: &str = "localReputation";
    pub const NAME: &str = "name";
    pub const REMEDIATION_ACTION: &str = "remediationAction";
}

/// `FirstInstanceEventProp`: the keys of a first-instance event.
pub mod first_instance_event_prop {
    pub const SYSTEM_GUID: &str = "agentGuid";
    pub const HASHES: &str = "hashes";
    pub const NAME: &str = "name";
}

/// `EnterpriseAttrib`: attribute ids shared by file and certificate Enterprise reputations.
/// Attribute ids are string keys of a reputation's `attributes` object; values are strings too.
pub mod enterprise_attrib {
    /// Packed TIE server version; decode with [`crate::tie::helpers::to_version_string`].
    pub const SERVER_VERSION: &str = "2139285";
}

/// `FileEnterpriseAttrib(EnterpriseAttrib)`: attribute ids of a file's Enterprise reputation.
pub mod file_enterprise_attrib {
    pub use super::enterprise_attrib::*;
    /// First seen (epoch seconds).
    pub const FIRST_CONTACT: &str = "2102165";
    /// Number of unique systems that executed the file.
    pub const PREVALENCE: &str = "2101652";
    /// Number of systems in the enterprise.
    pub const ENTERPRISE_SIZE: &str = "2111893";
    pub const MIN_LOCAL_REP: &str = "2112148";
    pub const MAX_LOCAL_REP: &str = "2112404";
    pub const AVG_LOCAL_REP: &str = "2112660";
    pub const PARENT_MIN_LOCAL_REP: &str = "2112916";
    pub const PARENT_MAX_LOCAL_REP: &str = "2113172";
    pub const PARENT_AVG_LOCAL_REP: &str = "2113428";
    pub const DETECTION_COUNT: &str = "2113685";
    /// Epoch seconds of the last detection.
    pub const LAST_DETECTION_TIME: &str = "2113942";
    pub const IS_PREVALENT: &str = "2123156";
    /// Number of distinct file names.
    pub const FILE_NAME_COUNT: &str = "2114965";
    /// Packed aggregate; decode with [`crate::tie::helpers::to_aggregate_tuple`].
    pub const CHILD_FILE_REPS: &str = "2138520";
    /// Packed aggregate; decode with [`crate::tie::helpers::to_aggregate_tuple`].
    pub const PARENT_FILE_REPS: &str = "2138264";
}

/// `CertEnterpriseAttrib(EnterpriseAttrib)`: attribute ids of a certificate's Enterprise
/// reputation.
pub mod cert_enterprise_attrib {
    pub use super::enterprise_attrib::*;
    pub const FIRST_CONTACT: &str = "2109589";
    /// Systems that ran a file signed by the certificate.
    pub const PREVALENCE: &str = "2109333";
    /// Files override the certificate reputation.
    pub const HAS_FILE_OVERRIDES: &str = "2122901";
    pub const IS_PREVALENT: &str = "2125972";
}

/// `GtiAttrib`: attribute ids shared by GTI reputations.
pub mod gti_attrib {
    /// The raw GTI response.
    pub const ORIGINAL_RESPONSE: &str = "2120340";
}

/// `FileGtiAttrib(GtiAttrib)`: attribute ids of a file's GTI reputation.
pub mod file_gti_attrib {
    pub use super::gti_attrib::*;
    pub const FIRST_CONTACT: &str = "2101908";
    /// GTI request count.
    pub const PREVALENCE: &str = "2102421";
}

/// `CertGtiAttrib(GtiAttrib)`: attribute ids of a certificate's GTI reputation.
pub mod cert_gti_attrib {
    pub use super::gti_attrib::*;
    pub const FIRST_CONTACT: &str = "2109077";
    /// GTI request count.
    pub const PREVALENCE: &str = "2108821";
    pub const REVOKED: &str = "2117524";
}

/// `AtdAttrib`: attribute ids of an ATD reputation. The four scores use
/// [`atd_trust_level`] values.
pub mod atd_attrib {
    pub const GAM_SCORE: &str = "4194962";
    pub const AV_ENGINE_SCORE: &str = "4195218";
    pub const SANDBOX_SCORE: &str = "4195474";
    pub const VERDICT: &str = "4195730";
    /// Encoded behaviours (format undocumented).
    pub const BEHAVIORS: &str = "4197784";
}

/// `FileType`: bit flags for the External provider's `file.type`. Several names are unions of
/// others; `u64` because `JAR` exceeds 32 bits.
pub mod file_type {
    pub const NONE: u64 = 0;
    pub const COM: u64 = 1;
    pub const EXE: u64 = 2;
    pub const DRV: u64 = 4;
    pub const BOOT: u64 = 8;
    pub const PE: u64 = 16;
    pub const PEEXE: u64 = 18;
    pub const VXD: u64 = 64;
    pub const DLLNONPE: u64 = 128;
    pub const DLL: u64 = 144;
    pub const WIN: u64 = 272;
    pub const MZSTUB: u64 = 512;
    pub const NLM: u64 = 1024;
    pub const ELF: u64 = 2048;
    pub const JS: u64 = 4096;
    pub const VBS: u64 = 8192;
    pub const SCRIPT: u64 = 12288;
    pub const OLE: u64 = 16384;
    pub const PIC: u64 = 65536;
    pub const TEXT: u64 = 131072;
    pub const BAT: u64 = 143360;
    pub const HTML: u64 = 262144;
    pub const HTMLTEXT: u64 = 393216;
    pub const HTA: u64 = 524288;
    pub const RTF: u64 = 1048576;
    pub const PDF: u64 = 2097152;
    pub const MMEDIA: u64 = 4194304;
    pub const URL: u64 = 8388608;
    pub const SYS: u64 = 16777232;
    pub const ZIP: u64 = 33587200;
    pub const CAB: u64 = 67141632;
    pub const RARNOARC: u64 = 134217728;
    pub const RAR: u64 = 134250496;
    pub const OOXML: u64 = 167772160;
    pub const OOXMLPK: u64 = 301989888;
    pub const MACHO: u64 = 536870912;
    pub const APK: u64 = 1073741824;
    pub const CLASS: u64 = 2147483648;
    pub const JAR: u64 = 4328554496;

    /// Every `FileType` value with its Python name. Validation accepts exactly these values,
    /// not arbitrary unions of the flags.
    pub const ALL: [(&str, u64); 39] = [
        ("NONE", NONE),
        ("COM", COM),
        ("EXE", EXE),
        ("DRV", DRV),
        ("BOOT", BOOT),
        ("PE", PE),
        ("PEEXE", PEEXE),
        ("VXD", VXD),
        ("DLLNONPE", DLLNONPE),
        ("DLL", DLL),
        ("WIN", WIN),
        ("MZSTUB", MZSTUB),
        ("NLM", NLM),
        ("ELF", ELF),
        ("JS", JS),
        ("VBS", VBS),
        ("SCRIPT", SCRIPT),
        ("OLE", OLE),
        ("PIC", PIC),
        ("TEXT", TEXT),
        ("BAT", BAT),
        ("HTML", HTML),
        ("HTMLTEXT", HTMLTEXT),
        ("HTA", HTA),
        ("RTF", RTF),
        ("PDF", PDF),
        ("MMEDIA", MMEDIA),
        ("URL", URL),
        ("SYS", SYS),
        ("ZIP", ZIP),
        ("CAB", CAB),
        ("RARNOARC", RARNOARC),
        ("RAR", RAR),
        ("OOXML", OOXML),
        ("OOXMLPK", OOXMLPK),
        ("MACHO", MACHO),
        ("APK", APK),
        ("CLASS", CLASS),
        ("JAR", JAR),
    ];
}

/// Response-timeout rules inherited from the dxlbootstrap `Client` base class (spec §2).
pub mod response_timeout {
    /// The default timeout of every synchronous request, in seconds.
    pub const DEFAULT_SECS: u64 = 30;
    /// The smallest timeout the setter accepts, in seconds.
    pub const MINIMUM_SECS: u64 = 30;
}

/// The default `query_limit` of the two first-references requests.
pub const DEFAULT_QUERY_LIMIT: i64 = 500;

/// The `scanType` `get_file_reputation` sends: 3 = "On Demand Scan", telling TIE the query does
/// not come from an endpoint.
pub const SCAN_TYPE_ON_DEMAND: i64 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_type_bits_match_their_documented_unions() {
        use file_type::*;
        assert_eq!(PEEXE, EXE | PE);
        assert_eq!(DLL, PE | DLLNONPE);
        assert_eq!(SCRIPT, JS | VBS);
        assert_eq!(BAT, SCRIPT | TEXT);
        assert_eq!(HTMLTEXT, TEXT | HTML);
        assert_eq!(JAR, (1 << 15) | (1 << 25) | (1 << 32));
        let mut values: Vec<u64> = ALL.iter().map(|(_, v)| *v).collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), 39, "FileType values must be distinct");
    }

    #[test]
    fn subclass_modules_reexport_parent_names() {
        assert_eq!(cert_reputation_prop::PROVIDER_ID, "providerId");
        assert_eq!(file_rep_change_event_prop::HASHES, "hashes");
        assert_eq!(cert_rep_change_event_prop::UPDATE_TIME, "updateTime");
        assert_eq!(file_enterprise_attrib::SERVER_VERSION, "2139285");
        assert_eq!(cert_gti_attrib::ORIGINAL_RESPONSE, "2120340");
    }
}
