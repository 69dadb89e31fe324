//! Every TIE constant for C (c-api.md "Constants"), so a C agent never hard-codes a number.
//!
//! cbindgen can only write literals into the header, so the values are repeated here;
//! the test below checks each one against [`crate::tie::constants`]. The `&str` constants reach
//! the header through `build.rs` (cbindgen writes only numbers).
#![allow(dead_code)] // read by cbindgen and build.rs, not by Rust code

pub const DXLTIE_TIE_GET_FILE_REPUTATION_TOPIC: &str = "/mcafee/service/tie/file/reputation";
pub const DXLTIE_TIE_SET_FILE_REPUTATION_TOPIC: &str = "/mcafee/service/tie/file/reputation/set";
pub const DXLTIE_TIE_GET_FILE_FIRST_REFS: &str = "/mcafee/service/tie/file/agents";
pub const DXLTIE_TIE_GET_CERT_REPUTATION_TOPIC: &str = "/mcafee/service/tie/cert/reputation";
pub const DXLTIE_TIE_SET_CERT_REPUTATION_TOPIC: &str = "/mcafee/service/tie/cert/reputation/set";
pub const DXLTIE_TIE_GET_CERT_FIRST_REFS: &str = "/mcafee/service/tie/cert/agents";
pub const DXLTIE_TIE_EVENT_EXTERNAL_FILE_REPORT_TOPIC: &str = "/mcafee/event/external/file/report";
pub const DXLTIE_TIE_EVENT_FILE_DETECTION_TOPIC: &str = "/mcafee/event/tie/file/detection";
pub const DXLTIE_TIE_EVENT_FILE_FIRST_INSTANCE_TOPIC: &str = "/mcafee/event/tie/file/firstinstance";
pub const DXLTIE_TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC: &str = "/mcafee/event/tie/file/repchange/broadcast";
pub const DXLTIE_TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC: &str = "/mcafee/event/tie/cert/repchange/broadcast";
pub const DXLTIE_TIE_EVENT_FILE_PREVALENCE_CHANGE_TOPIC: &str = "/mcafee/event/tie/file/prevalence";
pub const DXLTIE_HASH_TYPE_MD5: &str = "md5";
pub const DXLTIE_HASH_TYPE_SHA1: &str = "sha1";
pub const DXLTIE_HASH_TYPE_SHA256: &str = "sha256";
pub const DXLTIE_FILE_PROVIDER_GTI: i64 = 1;
pub const DXLTIE_FILE_PROVIDER_ENTERPRISE: i64 = 3;
pub const DXLTIE_FILE_PROVIDER_ATD: i64 = 5;
pub const DXLTIE_FILE_PROVIDER_MWG: i64 = 7;
pub const DXLTIE_FILE_PROVIDER_EXTERNAL: i64 = 15;
pub const DXLTIE_CERT_PROVIDER_GTI: i64 = 2;
pub const DXLTIE_CERT_PROVIDER_ENTERPRISE: i64 = 4;
pub const DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED_INSTALLER: i32 = 100;
pub const DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED: i32 = 99;
pub const DXLTIE_TRUST_LEVEL_MOST_LIKELY_TRUSTED: i32 = 85;
pub const DXLTIE_TRUST_LEVEL_MIGHT_BE_TRUSTED: i32 = 70;
pub const DXLTIE_TRUST_LEVEL_UNKNOWN: i32 = 50;
pub const DXLTIE_TRUST_LEVEL_MIGHT_BE_MALICIOUS: i32 = 30;
pub const DXLTIE_TRUST_LEVEL_MOST_LIKELY_MALICIOUS: i32 = 15;
pub const DXLTIE_TRUST_LEVEL_KNOWN_MALICIOUS: i32 = 1;
pub const DXLTIE_TRUST_LEVEL_NOT_SET: i32 = 0;
pub const DXLTIE_ATD_TRUST_LEVEL_NOT_SET: i32 = -2;
pub const DXLTIE_ATD_TRUST_LEVEL_KNOWN_TRUSTED: i32 = -1;
pub const DXLTIE_ATD_TRUST_LEVEL_MOST_LIKELY_TRUSTED: i32 = 0;
pub const DXLTIE_ATD_TRUST_LEVEL_MIGHT_BE_TRUSTED: i32 = 1;
pub const DXLTIE_ATD_TRUST_LEVEL_UNKNOWN: i32 = 2;
pub const DXLTIE_ATD_TRUST_LEVEL_MIGHT_BE_MALICIOUS: i32 = 3;
pub const DXLTIE_ATD_TRUST_LEVEL_MOST_LIKELY_MALICIOUS: i32 = 4;
pub const DXLTIE_ATD_TRUST_LEVEL_KNOWN_MALICIOUS: i32 = 5;
pub const DXLTIE_REPUTATION_PROP_PROVIDER_ID: &str = "providerId";
pub const DXLTIE_REPUTATION_PROP_TRUST_LEVEL: &str = "trustLevel";
pub const DXLTIE_REPUTATION_PROP_CREATE_DATE: &str = "createDate";
pub const DXLTIE_REPUTATION_PROP_ATTRIBUTES: &str = "attributes";
pub const DXLTIE_CERT_REPUTATION_PROP_OVERRIDDEN: &str = "overridden";
pub const DXLTIE_CERT_REPUTATION_OVERRIDDEN_PROP_FILES: &str = "files";
pub const DXLTIE_CERT_REPUTATION_OVERRIDDEN_PROP_TRUNCATED: &str = "truncated";
pub const DXLTIE_FIRST_REF_PROP_DATE: &str = "date";
pub const DXLTIE_FIRST_REF_PROP_SYSTEM_GUID: &str = "agentGuid";
pub const DXLTIE_REP_CHANGE_EVENT_PROP_HASHES: &str = "hashes";
pub const DXLTIE_REP_CHANGE_EVENT_PROP_NEW_REPUTATIONS: &str = "newReputations";
pub const DXLTIE_REP_CHANGE_EVENT_PROP_OLD_REPUTATIONS: &str = "oldReputations";
pub const DXLTIE_REP_CHANGE_EVENT_PROP_UPDATE_TIME: &str = "updateTime";
pub const DXLTIE_FILE_REP_CHANGE_EVENT_PROP_RELATIONSHIPS: &str = "relationships";
pub const DXLTIE_CERT_REP_CHANGE_EVENT_PROP_PUBLIC_KEY_SHA1: &str = "publicKeySha1";
pub const DXLTIE_DETECTION_EVENT_PROP_SYSTEM_GUID: &str = "agentGuid";
pub const DXLTIE_DETECTION_EVENT_PROP_HASHES: &str = "hashes";
pub const DXLTIE_DETECTION_EVENT_PROP_DETECTION_TIME: &str = "detectionTime";
pub const DXLTIE_DETECTION_EVENT_PROP_LOCAL_REPUTATION: &str = "localReputation";
pub const DXLTIE_DETECTION_EVENT_PROP_NAME: &str = "name";
pub const DXLTIE_DETECTION_EVENT_PROP_REMEDIATION_ACTION: &str = "remediationAction";
pub const DXLTIE_FIRST_INSTANCE_EVENT_PROP_SYSTEM_GUID: &str = "agentGuid";
pub const DXLTIE_FIRST_INSTANCE_EVENT_PROP_HASHES: &str = "hashes";
pub const DXLTIE_FIRST_INSTANCE_EVENT_PROP_NAME: &str = "name";
pub const DXLTIE_ENTERPRISE_ATTRIB_SERVER_VERSION: &str = "2139285";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_FIRST_CONTACT: &str = "2102165";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_PREVALENCE: &str = "2101652";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_ENTERPRISE_SIZE: &str = "2111893";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_MIN_LOCAL_REP: &str = "2112148";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_MAX_LOCAL_REP: &str = "2112404";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_AVG_LOCAL_REP: &str = "2112660";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_PARENT_MIN_LOCAL_REP: &str = "2112916";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_PARENT_MAX_LOCAL_REP: &str = "2113172";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_PARENT_AVG_LOCAL_REP: &str = "2113428";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_DETECTION_COUNT: &str = "2113685";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_LAST_DETECTION_TIME: &str = "2113942";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_IS_PREVALENT: &str = "2123156";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_FILE_NAME_COUNT: &str = "2114965";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_CHILD_FILE_REPS: &str = "2138520";
pub const DXLTIE_FILE_ENTERPRISE_ATTRIB_PARENT_FILE_REPS: &str = "2138264";
pub const DXLTIE_CERT_ENTERPRISE_ATTRIB_FIRST_CONTACT: &str = "2109589";
pub const DXLTIE_CERT_ENTERPRISE_ATTRIB_PREVALENCE: &str = "2109333";
pub const DXLTIE_CERT_ENTERPRISE_ATTRIB_HAS_FILE_OVERRIDES: &str = "2122901";
pub const DXLTIE_CERT_ENTERPRISE_ATTRIB_IS_PREVALENT: &str = "2125972";
pub const DXLTIE_GTI_ATTRIB_ORIGINAL_RESPONSE: &str = "2120340";
pub const DXLTIE_FILE_GTI_ATTRIB_FIRST_CONTACT: &str = "2101908";
pub const DXLTIE_FILE_GTI_ATTRIB_PREVALENCE: &str = "2102421";
pub const DXLTIE_CERT_GTI_ATTRIB_FIRST_CONTACT: &str = "2109077";
pub const DXLTIE_CERT_GTI_ATTRIB_PREVALENCE: &str = "2108821";
pub const DXLTIE_CERT_GTI_ATTRIB_REVOKED: &str = "2117524";
pub const DXLTIE_ATD_ATTRIB_GAM_SCORE: &str = "4194962";
pub const DXLTIE_ATD_ATTRIB_AV_ENGINE_SCORE: &str = "4195218";
pub const DXLTIE_ATD_ATTRIB_SANDBOX_SCORE: &str = "4195474";
pub const DXLTIE_ATD_ATTRIB_VERDICT: &str = "4195730";
pub const DXLTIE_ATD_ATTRIB_BEHAVIORS: &str = "4197784";
pub const DXLTIE_FILE_TYPE_NONE: u64 = 0;
pub const DXLTIE_FILE_TYPE_COM: u64 = 1;
pub const DXLTIE_FILE_TYPE_EXE: u64 = 2;
pub const DXLTIE_FILE_TYPE_DRV: u64 = 4;
pub const DXLTIE_FILE_TYPE_BOOT: u64 = 8;
pub const DXLTIE_FILE_TYPE_PE: u64 = 16;
pub const DXLTIE_FILE_TYPE_PEEXE: u64 = 18;
pub const DXLTIE_FILE_TYPE_VXD: u64 = 64;
pub const DXLTIE_FILE_TYPE_DLLNONPE: u64 = 128;
pub const DXLTIE_FILE_TYPE_DLL: u64 = 144;
pub const DXLTIE_FILE_TYPE_WIN: u64 = 272;
pub const DXLTIE_FILE_TYPE_MZSTUB: u64 = 512;
pub const DXLTIE_FILE_TYPE_NLM: u64 = 1024;
pub const DXLTIE_FILE_TYPE_ELF: u64 = 2048;
pub const DXLTIE_FILE_TYPE_JS: u64 = 4096;
pub const DXLTIE_FILE_TYPE_VBS: u64 = 8192;
pub const DXLTIE_FILE_TYPE_SCRIPT: u64 = 12288;
pub const DXLTIE_FILE_TYPE_OLE: u64 = 16384;
pub const DXLTIE_FILE_TYPE_PIC: u64 = 65536;
pub const DXLTIE_FILE_TYPE_TEXT: u64 = 131072;
pub const DXLTIE_FILE_TYPE_BAT: u64 = 143360;
pub const DXLTIE_FILE_TYPE_HTML: u64 = 262144;
pub const DXLTIE_FILE_TYPE_HTMLTEXT: u64 = 393216;
pub const DXLTIE_FILE_TYPE_HTA: u64 = 524288;
pub const DXLTIE_FILE_TYPE_RTF: u64 = 1048576;
pub const DXLTIE_FILE_TYPE_PDF: u64 = 2097152;
pub const DXLTIE_FILE_TYPE_MMEDIA: u64 = 4194304;
pub const DXLTIE_FILE_TYPE_URL: u64 = 8388608;
pub const DXLTIE_FILE_TYPE_SYS: u64 = 16777232;
pub const DXLTIE_FILE_TYPE_ZIP: u64 = 33587200;
pub const DXLTIE_FILE_TYPE_CAB: u64 = 67141632;
pub const DXLTIE_FILE_TYPE_RARNOARC: u64 = 134217728;
pub const DXLTIE_FILE_TYPE_RAR: u64 = 134250496;
pub const DXLTIE_FILE_TYPE_OOXML: u64 = 167772160;
pub const DXLTIE_FILE_TYPE_OOXMLPK: u64 = 301989888;
pub const DXLTIE_FILE_TYPE_MACHO: u64 = 536870912;
pub const DXLTIE_FILE_TYPE_APK: u64 = 1073741824;
pub const DXLTIE_FILE_TYPE_CLASS: u64 = 2147483648;
pub const DXLTIE_FILE_TYPE_JAR: u64 = 4328554496;
pub const DXLTIE_RESPONSE_TIMEOUT_DEFAULT_SECS: u64 = 30;
pub const DXLTIE_RESPONSE_TIMEOUT_MINIMUM_SECS: u64 = 30;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tie::constants as c;

    #[test]
    fn every_c_constant_equals_the_tie_constant() {
        assert_eq!(
            DXLTIE_TIE_GET_FILE_REPUTATION_TOPIC,
            c::topics::TIE_GET_FILE_REPUTATION_TOPIC
        );
        assert_eq!(
            DXLTIE_TIE_SET_FILE_REPUTATION_TOPIC,
            c::topics::TIE_SET_FILE_REPUTATION_TOPIC
        );
        assert_eq!(DXLTIE_TIE_GET_FILE_FIRST_REFS, c::topics::TIE_GET_FILE_FIRST_REFS);
        assert_eq!(
            DXLTIE_TIE_GET_CERT_REPUTATION_TOPIC,
            c::topics::TIE_GET_CERT_REPUTATION_TOPIC
        );
        assert_eq!(
            DXLTIE_TIE_SET_CERT_REPUTATION_TOPIC,
            c::topics::TIE_SET_CERT_REPUTATION_TOPIC
        );
        assert_eq!(DXLTIE_TIE_GET_CERT_FIRST_REFS, c::topics::TIE_GET_CERT_FIRST_REFS);
        assert_eq!(
            DXLTIE_TIE_EVENT_EXTERNAL_FILE_REPORT_TOPIC,
            c::topics::TIE_EVENT_EXTERNAL_FILE_REPORT_TOPIC
        );
        assert_eq!(
            DXLTIE_TIE_EVENT_FILE_DETECTION_TOPIC,
            c::topics::TIE_EVENT_FILE_DETECTION_TOPIC
        );
        assert_eq!(
            DXLTIE_TIE_EVENT_FILE_FIRST_INSTANCE_TOPIC,
            c::topics::TIE_EVENT_FILE_FIRST_INSTANCE_TOPIC
        );
        assert_eq!(
            DXLTIE_TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC,
            c::topics::TIE_EVENT_FILE_REPUTATION_CHANGE_TOPIC
        );
        assert_eq!(
            DXLTIE_TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC,
            c::topics::TIE_EVENT_CERT_REPUTATION_CHANGE_TOPIC
        );
        assert_eq!(
            DXLTIE_TIE_EVENT_FILE_PREVALENCE_CHANGE_TOPIC,
            c::topics::TIE_EVENT_FILE_PREVALENCE_CHANGE_TOPIC
        );
        assert_eq!(DXLTIE_HASH_TYPE_MD5, c::hash_type::MD5);
        assert_eq!(DXLTIE_HASH_TYPE_SHA1, c::hash_type::SHA1);
        assert_eq!(DXLTIE_HASH_TYPE_SHA256, c::hash_type::SHA256);
        assert_eq!(DXLTIE_FILE_PROVIDER_GTI, c::file_provider::GTI);
        assert_eq!(DXLTIE_FILE_PROVIDER_ENTERPRISE, c::file_provider::ENTERPRISE);
        assert_eq!(DXLTIE_FILE_PROVIDER_ATD, c::file_provider::ATD);
        assert_eq!(DXLTIE_FILE_PROVIDER_MWG, c::file_provider::MWG);
        assert_eq!(DXLTIE_FILE_PROVIDER_EXTERNAL, c::file_provider::EXTERNAL);
        assert_eq!(DXLTIE_CERT_PROVIDER_GTI, c::cert_provider::GTI);
        assert_eq!(DXLTIE_CERT_PROVIDER_ENTERPRISE, c::cert_provider::ENTERPRISE);
        assert_eq!(
            DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED_INSTALLER,
            c::trust_level::KNOWN_TRUSTED_INSTALLER
        );
        assert_eq!(DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED, c::trust_level::KNOWN_TRUSTED);
        assert_eq!(
            DXLTIE_TRUST_LEVEL_MOST_LIKELY_TRUSTED,
            c::trust_level::MOST_LIKELY_TRUSTED
        );
        assert_eq!(DXLTIE_TRUST_LEVEL_MIGHT_BE_TRUSTED, c::trust_level::MIGHT_BE_TRUSTED);
        assert_eq!(DXLTIE_TRUST_LEVEL_UNKNOWN, c::trust_level::UNKNOWN);
        assert_eq!(
            DXLTIE_TRUST_LEVEL_MIGHT_BE_MALICIOUS,
            c::trust_level::MIGHT_BE_MALICIOUS
        );
        assert_eq!(
            DXLTIE_TRUST_LEVEL_MOST_LIKELY_MALICIOUS,
            c::trust_level::MOST_LIKELY_MALICIOUS
        );
        assert_eq!(DXLTIE_TRUST_LEVEL_KNOWN_MALICIOUS, c::trust_level::KNOWN_MALICIOUS);
        assert_eq!(DXLTIE_TRUST_LEVEL_NOT_SET, c::trust_level::NOT_SET);
        assert_eq!(DXLTIE_ATD_TRUST_LEVEL_NOT_SET, c::atd_trust_level::NOT_SET);
        assert_eq!(DXLTIE_ATD_TRUST_LEVEL_KNOWN_TRUSTED, c::atd_trust_level::KNOWN_TRUSTED);
        assert_eq!(
            DXLTIE_ATD_TRUST_LEVEL_MOST_LIKELY_TRUSTED,
            c::atd_trust_level::MOST_LIKELY_TRUSTED
        );
        assert_eq!(
            DXLTIE_ATD_TRUST_LEVEL_MIGHT_BE_TRUSTED,
            c::atd_trust_level::MIGHT_BE_TRUSTED
        );
        assert_eq!(DXLTIE_ATD_TRUST_LEVEL_UNKNOWN, c::atd_trust_level::UNKNOWN);
        assert_eq!(
            DXLTIE_ATD_TRUST_LEVEL_MIGHT_BE_MALICIOUS,
            c::atd_trust_level::MIGHT_BE_MALICIOUS
        );
        assert_eq!(
            DXLTIE_ATD_TRUST_LEVEL_MOST_LIKELY_MALICIOUS,
            c::atd_trust_level::MOST_LIKELY_MALICIOUS
        );
        assert_eq!(
            DXLTIE_ATD_TRUST_LEVEL_KNOWN_MALICIOUS,
            c::atd_trust_level::KNOWN_MALICIOUS
        );
        assert_eq!(DXLTIE_REPUTATION_PROP_PROVIDER_ID, c::reputation_prop::PROVIDER_ID);
        assert_eq!(DXLTIE_REPUTATION_PROP_TRUST_LEVEL, c::reputation_prop::TRUST_LEVEL);
        assert_eq!(DXLTIE_REPUTATION_PROP_CREATE_DATE, c::reputation_prop::CREATE_DATE);
        assert_eq!(DXLTIE_REPUTATION_PROP_ATTRIBUTES, c::reputation_prop::ATTRIBUTES);
        assert_eq!(
            DXLTIE_CERT_REPUTATION_PROP_OVERRIDDEN,
            c::cert_reputation_prop::OVERRIDDEN
        );
        assert_eq!(
            DXLTIE_CERT_REPUTATION_OVERRIDDEN_PROP_FILES,
            c::cert_reputation_overridden_prop::FILES
        );
        assert_eq!(
            DXLTIE_CERT_REPUTATION_OVERRIDDEN_PROP_TRUNCATED,
            c::cert_reputation_overridden_prop::TRUNCATED
        );
        assert_eq!(DXLTIE_FIRST_REF_PROP_DATE, c::first_ref_prop::DATE);
        assert_eq!(DXLTIE_FIRST_REF_PROP_SYSTEM_GUID, c::first_ref_prop::SYSTEM_GUID);
        assert_eq!(DXLTIE_REP_CHANGE_EVENT_PROP_HASHES, c::rep_change_event_prop::HASHES);
        assert_eq!(
            DXLTIE_REP_CHANGE_EVENT_PROP_NEW_REPUTATIONS,
            c::rep_change_event_prop::NEW_REPUTATIONS
        );
        assert_eq!(
            DXLTIE_REP_CHANGE_EVENT_PROP_OLD_REPUTATIONS,
            c::rep_change_event_prop::OLD_REPUTATIONS
        );
        assert_eq!(
            DXLTIE_REP_CHANGE_EVENT_PROP_UPDATE_TIME,
            c::rep_change_event_prop::UPDATE_TIME
        );
        assert_eq!(
            DXLTIE_FILE_REP_CHANGE_EVENT_PROP_RELATIONSHIPS,
            c::file_rep_change_event_prop::RELATIONSHIPS
        );
        assert_eq!(
            DXLTIE_CERT_REP_CHANGE_EVENT_PROP_PUBLIC_KEY_SHA1,
            c::cert_rep_change_event_prop::PUBLIC_KEY_SHA1
        );
        assert_eq!(
            DXLTIE_DETECTION_EVENT_PROP_SYSTEM_GUID,
            c::detection_event_prop::SYSTEM_GUID
        );
        assert_eq!(DXLTIE_DETECTION_EVENT_PROP_HASHES, c::detection_event_prop::HASHES);
        assert_eq!(
            DXLTIE_DETECTION_EVENT_PROP_DETECTION_TIME,
            c::detection_event_prop::DETECTION_TIME
        );
        assert_eq!(
            DXLTIE_DETECTION_EVENT_PROP_LOCAL_REPUTATION,
            c::detection_event_prop::LOCAL_REPUTATION
        );
        assert_eq!(DXLTIE_DETECTION_EVENT_PROP_NAME, c::detection_event_prop::NAME);
        assert_eq!(
            DXLTIE_DETECTION_EVENT_PROP_REMEDIATION_ACTION,
            c::detection_event_prop::REMEDIATION_ACTION
        );
        assert_eq!(
            DXLTIE_FIRST_INSTANCE_EVENT_PROP_SYSTEM_GUID,
            c::first_instance_event_prop::SYSTEM_GUID
        );
        assert_eq!(
            DXLTIE_FIRST_INSTANCE_EVENT_PROP_HASHES,
            c::first_instance_event_prop::HASHES
        );
        assert_eq!(
            DXLTIE_FIRST_INSTANCE_EVENT_PROP_NAME,
            c::first_instance_event_prop::NAME
        );
        assert_eq!(
            DXLTIE_ENTERPRISE_ATTRIB_SERVER_VERSION,
            c::enterprise_attrib::SERVER_VERSION
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_FIRST_CONTACT,
            c::file_enterprise_attrib::FIRST_CONTACT
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_PREVALENCE,
            c::file_enterprise_attrib::PREVALENCE
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_ENTERPRISE_SIZE,
            c::file_enterprise_attrib::ENTERPRISE_SIZE
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_MIN_LOCAL_REP,
            c::file_enterprise_attrib::MIN_LOCAL_REP
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_MAX_LOCAL_REP,
            c::file_enterprise_attrib::MAX_LOCAL_REP
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_AVG_LOCAL_REP,
            c::file_enterprise_attrib::AVG_LOCAL_REP
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_PARENT_MIN_LOCAL_REP,
            c::file_enterprise_attrib::PARENT_MIN_LOCAL_REP
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_PARENT_MAX_LOCAL_REP,
            c::file_enterprise_attrib::PARENT_MAX_LOCAL_REP
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_PARENT_AVG_LOCAL_REP,
            c::file_enterprise_attrib::PARENT_AVG_LOCAL_REP
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_DETECTION_COUNT,
            c::file_enterprise_attrib::DETECTION_COUNT
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_LAST_DETECTION_TIME,
            c::file_enterprise_attrib::LAST_DETECTION_TIME
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_IS_PREVALENT,
            c::file_enterprise_attrib::IS_PREVALENT
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_FILE_NAME_COUNT,
            c::file_enterprise_attrib::FILE_NAME_COUNT
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_CHILD_FILE_REPS,
            c::file_enterprise_attrib::CHILD_FILE_REPS
        );
        assert_eq!(
            DXLTIE_FILE_ENTERPRISE_ATTRIB_PARENT_FILE_REPS,
            c::file_enterprise_attrib::PARENT_FILE_REPS
        );
        assert_eq!(
            DXLTIE_CERT_ENTERPRISE_ATTRIB_FIRST_CONTACT,
            c::cert_enterprise_attrib::FIRST_CONTACT
        );
        assert_eq!(
            DXLTIE_CERT_ENTERPRISE_ATTRIB_PREVALENCE,
            c::cert_enterprise_attrib::PREVALENCE
        );
        assert_eq!(
            DXLTIE_CERT_ENTERPRISE_ATTRIB_HAS_FILE_OVERRIDES,
            c::cert_enterprise_attrib::HAS_FILE_OVERRIDES
        );
        assert_eq!(
            DXLTIE_CERT_ENTERPRISE_ATTRIB_IS_PREVALENT,
            c::cert_enterprise_attrib::IS_PREVALENT
        );
        assert_eq!(DXLTIE_GTI_ATTRIB_ORIGINAL_RESPONSE, c::gti_attrib::ORIGINAL_RESPONSE);
        assert_eq!(DXLTIE_FILE_GTI_ATTRIB_FIRST_CONTACT, c::file_gti_attrib::FIRST_CONTACT);
        assert_eq!(DXLTIE_FILE_GTI_ATTRIB_PREVALENCE, c::file_gti_attrib::PREVALENCE);
        assert_eq!(DXLTIE_CERT_GTI_ATTRIB_FIRST_CONTACT, c::cert_gti_attrib::FIRST_CONTACT);
        assert_eq!(DXLTIE_CERT_GTI_ATTRIB_PREVALENCE, c::cert_gti_attrib::PREVALENCE);
        assert_eq!(DXLTIE_CERT_GTI_ATTRIB_REVOKED, c::cert_gti_attrib::REVOKED);
        assert_eq!(DXLTIE_ATD_ATTRIB_GAM_SCORE, c::atd_attrib::GAM_SCORE);
        assert_eq!(DXLTIE_ATD_ATTRIB_AV_ENGINE_SCORE, c::atd_attrib::AV_ENGINE_SCORE);
        assert_eq!(DXLTIE_ATD_ATTRIB_SANDBOX_SCORE, c::atd_attrib::SANDBOX_SCORE);
        assert_eq!(DXLTIE_ATD_ATTRIB_VERDICT, c::atd_attrib::VERDICT);
        assert_eq!(DXLTIE_ATD_ATTRIB_BEHAVIORS, c::atd_attrib::BEHAVIORS);
        assert_eq!(DXLTIE_FILE_TYPE_NONE, c::file_type::NONE);
        assert_eq!(DXLTIE_FILE_TYPE_COM, c::file_type::COM);
        assert_eq!(DXLTIE_FILE_TYPE_EXE, c::file_type::EXE);
        assert_eq!(DXLTIE_FILE_TYPE_DRV, c::file_type::DRV);
        assert_eq!(DXLTIE_FILE_TYPE_BOOT, c::file_type::BOOT);
        assert_eq!(DXLTIE_FILE_TYPE_PE, c::file_type::PE);
        assert_eq!(DXLTIE_FILE_TYPE_PEEXE, c::file_type::PEEXE);
        assert_eq!(DXLTIE_FILE_TYPE_VXD, c::file_type::VXD);
        assert_eq!(DXLTIE_FILE_TYPE_DLLNONPE, c::file_type::DLLNONPE);
        assert_eq!(DXLTIE_FILE_TYPE_DLL, c::file_type::DLL);
        assert_eq!(DXLTIE_FILE_TYPE_WIN, c::file_type::WIN);
        assert_eq!(DXLTIE_FILE_TYPE_MZSTUB, c::file_type::MZSTUB);
        assert_eq!(DXLTIE_FILE_TYPE_NLM, c::file_type::NLM);
        assert_eq!(DXLTIE_FILE_TYPE_ELF, c::file_type::ELF);
        assert_eq!(DXLTIE_FILE_TYPE_JS, c::file_type::JS);
        assert_eq!(DXLTIE_FILE_TYPE_VBS, c::file_type::VBS);
        assert_eq!(DXLTIE_FILE_TYPE_SCRIPT, c::file_type::SCRIPT);
        assert_eq!(DXLTIE_FILE_TYPE_OLE, c::file_type::OLE);
        assert_eq!(DXLTIE_FILE_TYPE_PIC, c::file_type::PIC);
        assert_eq!(DXLTIE_FILE_TYPE_TEXT, c::file_type::TEXT);
        assert_eq!(DXLTIE_FILE_TYPE_BAT, c::file_type::BAT);
        assert_eq!(DXLTIE_FILE_TYPE_HTML, c::file_type::HTML);
        assert_eq!(DXLTIE_FILE_TYPE_HTMLTEXT, c::file_type::HTMLTEXT);
        assert_eq!(DXLTIE_FILE_TYPE_HTA, c::file_type::HTA);
        assert_eq!(DXLTIE_FILE_TYPE_RTF, c::file_type::RTF);
        assert_eq!(DXLTIE_FILE_TYPE_PDF, c::file_type::PDF);
        assert_eq!(DXLTIE_FILE_TYPE_MMEDIA, c::file_type::MMEDIA);
        assert_eq!(DXLTIE_FILE_TYPE_URL, c::file_type::URL);
        assert_eq!(DXLTIE_FILE_TYPE_SYS, c::file_type::SYS);
        assert_eq!(DXLTIE_FILE_TYPE_ZIP, c::file_type::ZIP);
        assert_eq!(DXLTIE_FILE_TYPE_CAB, c::file_type::CAB);
        assert_eq!(DXLTIE_FILE_TYPE_RARNOARC, c::file_type::RARNOARC);
        assert_eq!(DXLTIE_FILE_TYPE_RAR, c::file_type::RAR);
        assert_eq!(DXLTIE_FILE_TYPE_OOXML, c::file_type::OOXML);
        assert_eq!(DXLTIE_FILE_TYPE_OOXMLPK, c::file_type::OOXMLPK);
        assert_eq!(DXLTIE_FILE_TYPE_MACHO, c::file_type::MACHO);
        assert_eq!(DXLTIE_FILE_TYPE_APK, c::file_type::APK);
        assert_eq!(DXLTIE_FILE_TYPE_CLASS, c::file_type::CLASS);
        assert_eq!(DXLTIE_FILE_TYPE_JAR, c::file_type::JAR);
        assert_eq!(DXLTIE_RESPONSE_TIMEOUT_DEFAULT_SECS, c::response_timeout::DEFAULT_SECS);
        assert_eq!(DXLTIE_RESPONSE_TIMEOUT_MINIMUM_SECS, c::response_timeout::MINIMUM_SECS);
    }
}
