"""TIE constants, with the class names, attribute names and values of ``dxltieclient.constants``
(0.3.0), and its helper static methods (epoch, packed version and aggregate decoding).

The helpers are plain Python so that they accept exactly what the reference accepts (ints,
floats and numeric strings) and raise the same exceptions.
"""

from __future__ import annotations

import base64
import struct
import time
from typing import Tuple, Union

#: What the epoch helpers take: seconds as an ``int``, a ``float`` or numeric text (TIE sends the
#: attribute values as strings).
EpochTime = Union[int, float, str]

__all__ = [
    "EpochMixin", "HashType", "FileProvider", "CertProvider", "TrustLevel", "ReputationProp",
    "FileReputationProp", "CertReputationProp", "CertReputationOverriddenProp", "EnterpriseAttrib",
    "FileEnterpriseAttrib", "CertEnterpriseAttrib", "GtiAttrib", "FileGtiAttrib", "CertGtiAttrib",
    "AtdAttrib", "AtdTrustLevel", "FirstRefProp", "RepChangeEventProp", "FileRepChangeEventProp",
    "CertRepChangeEventProp", "DetectionEventProp", "FirstInstanceEventProp", "FileType",
]


class EpochMixin(object):
    """Helpers for the properties and attributes that hold an epoch time (seconds), mixed into
    the constants classes that have such values."""

    @staticmethod
    def to_localtime(epoch_time: EpochTime) -> time.struct_time:
        """Converts an epoch time to local time.

        **Example Usage**

            .. code-block:: python

                created = rep[ReputationProp.CREATE_DATE]
                local = EpochMixin.to_localtime(created)      # time.struct_time(tm_year=2015, ...)

        :param epoch_time: seconds since the epoch: an ``int``, a ``float`` or numeric text
            (``"1451502875"``, as attribute values arrive)
        :return: a local :class:`time.struct_time` (:func:`time.localtime`)
        :raises ValueError: for text that is not a number
        """
        return time.localtime(float(epoch_time))

    @staticmethod
    def to_localtime_string(epoch_time: EpochTime,
                            format: str = "%Y-%m-%d %H:%M:%S") -> str:  # pylint: disable=redefined-builtin
        """Formats an epoch time as local time text.

        **Example Usage**

            .. code-block:: python

                attribs = reputations[FileProvider.ENTERPRISE][ReputationProp.ATTRIBUTES]
                FileEnterpriseAttrib.to_localtime_string(attribs[FileEnterpriseAttrib.FIRST_CONTACT])
                # '2015-12-30 19:14:35' (in the local time zone)

        :param epoch_time: seconds since the epoch: an ``int``, a ``float`` or numeric text
        :param format: a :func:`time.strftime` format (default ``"%Y-%m-%d %H:%M:%S"``)
        :return: the formatted local time
        :raises ValueError: for text that is not a number
        """
        return time.strftime(format, EpochMixin.to_localtime(epoch_time))


class HashType(object):
    """The hash types that identify a file: the keys of the ``hashes`` dicts that
    :meth:`dxltie.TieClient.get_file_reputation` and the other file requests take, and of the
    ``hashes`` of the events."""
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"


class FileProvider(object):
    """The providers of file reputations: the keys of the dict
    :meth:`dxltie.TieClient.get_file_reputation` returns (``int`` values) and the ``providerId``
    of each reputation."""
    GTI = 1
    ENTERPRISE = 3
    ATD = 5
    MWG = 7
    EXTERNAL = 15


class CertProvider(object):
    """The providers of certificate reputations: the keys of the dict
    :meth:`dxltie.TieClient.get_certificate_reputation` returns (``int`` values)."""
    GTI = 2
    ENTERPRISE = 4


class TrustLevel(object):
    """The trust levels of files and certificates: a reputation's ``trustLevel``, and what
    :meth:`dxltie.TieClient.set_file_reputation` and the other setters take. Higher is more
    trusted; ``NOT_SET`` (0) means the provider has no opinion."""
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
    """The properties of every reputation dict (file or certificate, any provider)."""
    PROVIDER_ID = "providerId"
    TRUST_LEVEL = "trustLevel"
    CREATE_DATE = "createDate"
    ATTRIBUTES = "attributes"


class FileReputationProp(ReputationProp):
    """The properties of a file reputation dict (those of :class:`ReputationProp`)."""


class CertReputationProp(ReputationProp):
    """The properties of a certificate reputation dict: those of :class:`ReputationProp`, and
    ``overridden`` (the signed files whose own reputation overrides the certificate's)."""
    OVERRIDDEN = "overridden"


class CertReputationOverriddenProp(object):
    """The properties of a certificate reputation's ``overridden`` dict: ``files`` (each with
    its ``hashes`` as a hex dict) and ``truncated``."""
    FILES = "files"
    TRUNCATED = "truncated"


class EnterpriseAttrib(EpochMixin):
    """The attribute ids (keys of a reputation's ``attributes`` dict) of Enterprise
    reputations of files and certificates, with helpers that decode their values."""

    @staticmethod
    def to_version_tuple(version_attrib: Union[int, str]) -> Tuple[int, int, int, int]:
        """Unpacks the TIE server version carried in the ``SERVER_VERSION`` attribute.

        **Example Usage**

            .. code-block:: python

                EnterpriseAttrib.to_version_tuple("73183493944770750")   # (1, 4, 0, 190)

        :param version_attrib: the packed version (a 64-bit integer, or its decimal text): major in
            the top byte, minor in the next, patch in the next 16 bits, build in the low 32
        :return: ``(major, minor, patch, build)``
        :raises ValueError: for text that is not an integer
        """
        packed = int(version_attrib)
        return ((packed >> 56) & 0xFF, (packed >> 48) & 0xFF, (packed >> 32) & 0xFFFF,
                packed & 0xFFFFFFFF)

    @staticmethod
    def to_version_string(version_attrib: Union[int, str]) -> str:
        """The TIE server version of the ``SERVER_VERSION`` attribute as text.

        **Example Usage**

            .. code-block:: python

                EnterpriseAttrib.to_version_string("73183493944770750")   # "1.4.0.190"

        :param version_attrib: the packed version (see :meth:`to_version_tuple`)
        :return: ``"major.minor.patch.build"``
        :raises ValueError: for text that is not an integer
        """
        return "%d.%d.%d.%d" % EnterpriseAttrib.to_version_tuple(version_attrib)

    SERVER_VERSION = "2139285"


class FileEnterpriseAttrib(EnterpriseAttrib):
    """The attribute ids of Enterprise file reputations (:attr:`FileProvider.ENTERPRISE`),
    with the epoch, version and aggregate helpers."""

    @staticmethod
    def to_aggregate_tuple(aggregate_attrib: Union[str, bytes]) -> Tuple[Union[int, float], ...]:
        """Decodes an aggregate attribute (``CHILD_FILE_REPS``, ``PARENT_FILE_REPS``): base64 of
        little-endian 16-bit values.

        **Example Usage**

            .. code-block:: python

                FileEnterpriseAttrib.to_aggregate_tuple("AwBjAAEAAQAiEQ==")   # (3, 99, 1, 1, 43.86)

        :param aggregate_attrib: the attribute's base64 text
        :return: the file count, the maximum trust level, the minimum trust level, the last file's
            trust level, the average trust level (divided by 100 when above 0), then any further
            values unchanged
        :raises IndexError: for fewer than five values
        :raises struct.error: for an odd number of bytes
        :raises binascii.Error: for text that is not base64
        """
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
    """The attribute ids of Enterprise certificate reputations
    (:attr:`CertProvider.ENTERPRISE`), with the epoch and version helpers."""
    FIRST_CONTACT = "2109589"
    PREVALENCE = "2109333"
    HAS_FILE_OVERRIDES = "2122901"
    IS_PREVALENT = "2125972"


class GtiAttrib(object):
    """The attribute ids of Global Threat Intelligence (GTI) reputations of files and
    certificates (no epoch helpers, as in the reference)."""
    ORIGINAL_RESPONSE = "2120340"


class FileGtiAttrib(GtiAttrib):
    """The attribute ids of GTI file reputations (:attr:`FileProvider.GTI`)."""
    FIRST_CONTACT = "2101908"
    PREVALENCE = "2102421"


class CertGtiAttrib(GtiAttrib):
    """The attribute ids of GTI certificate reputations (:attr:`CertProvider.GTI`)."""
    FIRST_CONTACT = "2109077"
    PREVALENCE = "2108821"
    REVOKED = "2117524"


class AtdAttrib(object):
    """The attribute ids of Advanced Threat Defense (ATD) file reputations
    (:attr:`FileProvider.ATD`); the scores are :class:`AtdTrustLevel` values."""
    GAM_SCORE = "4194962"
    AV_ENGINE_SCORE = "4195218"
    SANDBOX_SCORE = "4195474"
    VERDICT = "4195730"
    BEHAVIORS = "4197784"


class AtdTrustLevel(object):
    """The trust levels as ATD reports them in its scores (:class:`AtdAttrib`), from -2 (not
    set) to 5 (known malicious)."""
    NOT_SET = -2
    KNOWN_TRUSTED = -1
    MOST_LIKELY_TRUSTED = 0
    MIGHT_BE_TRUSTED = 1
    UNKNOWN = 2
    MIGHT_BE_MALICIOUS = 3
    MOST_LIKELY_MALICIOUS = 4
    KNOWN_MALICIOUS = 5


class FirstRefProp(EpochMixin):
    """The properties of one system in the list
    :meth:`dxltie.TieClient.get_file_first_references` returns, with the epoch helpers for
    ``date``."""
    DATE = "date"
    SYSTEM_GUID = "agentGuid"


class RepChangeEventProp(object):
    """The properties of a reputation change event dict
    (:meth:`dxltie.ReputationChangeCallback.on_reputation_change`)."""
    HASHES = "hashes"
    NEW_REPUTATIONS = "newReputations"
    OLD_REPUTATIONS = "oldReputations"
    UPDATE_TIME = "updateTime"


class FileRepChangeEventProp(RepChangeEventProp):
    """The properties of a file reputation change event dict, with ``relationships``."""
    RELATIONSHIPS = "relationships"


class CertRepChangeEventProp(RepChangeEventProp):
    """The properties of a certificate reputation change event dict, with ``publicKeySha1``."""
    PUBLIC_KEY_SHA1 = "publicKeySha1"


class DetectionEventProp(object):
    """The properties of a detection event dict (:meth:`dxltie.DetectionCallback.on_detection`)."""
    SYSTEM_GUID = "agentGuid"
    HASHES = "hashes"
    DETECTION_TIME = "detectionTime"
    LOCAL_REPUTATION = "localReputation"
    NAME = "name"
    REMEDIATION_ACTION = "remediationAction"


class FirstInstanceEventProp(object):
    """The properties of a first-instance event dict
    (:meth:`dxltie.FirstInstanceCallback.on_first_instance`)."""
    SYSTEM_GUID = "agentGuid"
    HASHES = "hashes"
    NAME = "name"


class FileType(object):
    """The file types :meth:`dxltie.TieClient.set_external_file_reputation` takes (bit flags;
    only these exact values are valid)."""
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
