"""TIE constants, with the class names, attribute names and values of ``dxltieclient.constants``
(0.3.0), and its helper static methods (epoch, packed version and aggregate decoding).

The helpers are plain Python so that they accept exactly what the reference accepts (ints,
floats and numeric strings) and raise the same exceptions.
"""

import base64
import struct
import time

__all__ = [
    "EpochMixin", "HashType", "FileProvider", "CertProvider", "TrustLevel", "ReputationProp",
    "FileReputationProp", "CertReputationProp", "CertReputationOverriddenProp", "EnterpriseAttrib",
    "FileEnterpriseAttrib", "CertEnterpriseAttrib", "GtiAttrib", "FileGtiAttrib", "CertGtiAttrib",
    "AtdAttrib", "AtdTrustLevel", "FirstRefProp", "RepChangeEventProp", "FileRepChangeEventProp",
    "CertRepChangeEventProp", "DetectionEventProp", "FirstInstanceEventProp", "FileType",
]


class EpochMixin(object):
    """Helpers for properties and attributes that hold an epoch time (seconds)."""

    @staticmethod
    def to_localtime(epoch_time):
        """The epoch time (an int, a float or a numeric string) as a local ``time.struct_time``."""
        return time.localtime(float(epoch_time))

    @staticmethod
    def to_localtime_string(epoch_time, format="%Y-%m-%d %H:%M:%S"):  # pylint: disable=redefined-builtin
        """The epoch time as local time text, formatted with ``time.strftime``."""
        return time.strftime(format, EpochMixin.to_localtime(epoch_time))


class HashType(object):
    """Hash types."""
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"


class FileProvider(object):
    """Providers of file reputations."""
    GTI = 1
    ENTERPRISE = 3
    ATD = 5
    MWG = 7
    EXTERNAL = 15


class CertProvider(object):
    """Providers of certificate reputations."""
    GTI = 2
    ENTERPRISE = 4


class TrustLevel(object):
    """Trust levels of files and certificates."""
    KNOWN_TRUSTED_INSTALLER = 100
    KNOWN_TRUSTED = 99
    MOST_LIKELY_TRUSTED = 85
    MIGHT_BE_TRUSTED = 70
    UNKNOWN = 50
    MIGHT_BE_MALICIOUS = 30
    MOST_LIKELY_MALICIOUS = 15
    KNOWN_MALICIOUS = 1
    NOT_SET = 0


class ReputationProp(object):
    """The properties of every reputation."""
    PROVIDER_ID = "providerId"
    TRUST_LEVEL = "trustLevel"
    CREATE_DATE = "createDate"
    ATTRIBUTES = "attributes"


class FileReputationProp(ReputationProp):
    """The properties of a file reputation."""


class CertReputationProp(ReputationProp):
    """The properties of a certificate reputation."""
    OVERRIDDEN = "overridden"


class CertReputationOverriddenProp(object):
    """The properties of a certificate reputation's ``overridden`` value."""
    FILES = "files"
    TRUNCATED = "truncated"


class EnterpriseAttrib(EpochMixin):
    """Attributes of Enterprise reputations (files and certificates)."""

    @staticmethod
    def to_version_tuple(version_attrib):
        """A packed server version (``"73183493944770750"``) as ``(major, minor, patch, build)``."""
        packed = int(version_attrib)
        return ((packed >> 56) & 0xFF, (packed >> 48) & 0xFF, (packed >> 32) & 0xFFFF,
                packed & 0xFFFFFFFF)

    @staticmethod
    def to_version_string(version_attrib):
        """A packed server version as ``"major.minor.patch.build"``."""
        return "%d.%d.%d.%d" % EnterpriseAttrib.to_version_tuple(version_attrib)

    SERVER_VERSION = "2139285"


class FileEnterpriseAttrib(EnterpriseAttrib):
    """Attributes of Enterprise file reputations."""

    @staticmethod
    def to_aggregate_tuple(aggregate_attrib):
        """An aggregate attribute (base64 of little-endian u16 values) as a tuple: file count,
        max trust, min trust, last file's trust, average trust (divided by 100 when > 0), then
        any further values unchanged. Fewer than five values raise ``IndexError``, an odd byte
        count ``struct.error``."""
        raw = base64.b64decode(aggregate_attrib)
        values = [struct.unpack("<H", raw[i:i + 2])[0] for i in range(0, len(raw), 2)]
        if values[4] > 0:
            values[4] = values[4] / 100.0
        return tuple(values)

    FIRST_CONTACT = "2102165"
    PREVALENCE = "2101652"
    ENTERPRISE_SIZE = "2111893"
    MIN_LOCAL_REP = "2112148"
    MAX_LOCAL_REP = "2112404"
    AVG_LOCAL_REP = "2112660"
    PARENT_MIN_LOCAL_REP = "2112916"
    PARENT_MAX_LOCAL_REP = "2113172"
    PARENT_AVG_LOCAL_REP = "2113428"
    DETECTION_COUNT = "2113685"
    LAST_DETECTION_TIME = "2113942"
    IS_PREVALENT = "2123156"
    FILE_NAME_COUNT = "2114965"
    CHILD_FILE_REPS = "2138520"
    PARENT_FILE_REPS = "2138264"


class CertEnterpriseAttrib(EnterpriseAttrib):
    """Attributes of Enterprise certificate reputations."""
    FIRST_CONTACT = "2109589"
    PREVALENCE = "2109333"
    HAS_FILE_OVERRIDES = "2122901"
    IS_PREVALENT = "2125972"


class GtiAttrib(object):
    """Attributes of GTI reputations (no epoch helpers, as in the reference)."""
    ORIGINAL_RESPONSE = "2120340"


class FileGtiAttrib(GtiAttrib):
    """Attributes of GTI file reputations."""
    FIRST_CONTACT = "2101908"
    PREVALENCE = "2102421"


class CertGtiAttrib(GtiAttrib):
    """Attributes of GTI certificate reputations."""
    FIRST_CONTACT = "2109077"
    PREVALENCE = "2108821"
    REVOKED = "2117524"


class AtdAttrib(object):
    """Attributes of ATD reputations (the scores are :class:`AtdTrustLevel` values)."""
    GAM_SCORE = "4194962"
    AV_ENGINE_SCORE = "4195218"
    SANDBOX_SCORE = "4195474"
    VERDICT = "4195730"
    BEHAVIORS = "4197784"


class AtdTrustLevel(object):
    """Trust levels as ATD reports them."""
    NOT_SET = -2
    KNOWN_TRUSTED = -1
    MOST_LIKELY_TRUSTED = 0
    MIGHT_BE_TRUSTED = 1
    UNKNOWN = 2
    MIGHT_BE_MALICIOUS = 3
    MOST_LIKELY_MALICIOUS = 4
    KNOWN_MALICIOUS = 5


class FirstRefProp(EpochMixin):
    """The properties of one system in a first-references list."""
    DATE = "date"
    SYSTEM_GUID = "agentGuid"


class RepChangeEventProp(object):
    """The properties of a reputation change event."""
    HASHES = "hashes"
    NEW_REPUTATIONS = "newReputations"
    OLD_REPUTATIONS = "oldReputations"
    UPDATE_TIME = "updateTime"


class FileRepChangeEventProp(RepChangeEventProp):
    """The properties of a file reputation change event."""
    RELATIONSHIPS = "relationships"


class CertRepChangeEventProp(RepChangeEventProp):
    """The properties of a certificate reputation change event."""
    PUBLIC_KEY_SHA1 = "publicKeySha1"


class DetectionEventProp(object):
    """The properties of a detection event."""
    SYSTEM_GUID = "agentGuid"
    HASHES = "hashes"
    DETECTION_TIME = "detectionTime"
    LOCAL_REPUTATION = "localReputation"
    NAME = "name"
    REMEDIATION_ACTION = "remediationAction"


class FirstInstanceEventProp(object):
    """The properties of a first-instance event."""
    SYSTEM_GUID = "agentGuid"
    HASHES = "hashes"
    NAME = "name"


class FileType(object):
    """File types (bit flags; only these exact values are valid)."""
    NONE = 0
    COM = 1
    EXE = 2
    DRV = 4
    BOOT = 8
    PE = 16
    PEEXE = 18
    VXD = 64
    DLLNONPE = 128
    DLL = 144
    WIN = 272
    MZSTUB = 512
    NLM = 1024
    ELF = 2048
    JS = 4096
    VBS = 8192
    SCRIPT = 12288
    OLE = 16384
    PIC = 65536
    TEXT = 131072
    BAT = 143360
    HTML = 262144
    HTMLTEXT = 393216
    HTA = 524288
    RTF = 1048576
    PDF = 2097152
    MMEDIA = 4194304
    URL = 8388608
    SYS = 16777232
    ZIP = 33587200
    CAB = 67141632
    RARNOARC = 134217728
    RAR = 134250496
    OOXML = 167772160
    OOXMLPK = 301989888
    MACHO = 536870912
    APK = 1073741824
    CLASS = 2147483648
    JAR = 4328554496
