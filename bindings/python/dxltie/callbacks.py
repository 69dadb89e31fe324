"""The TIE event callback classes, as in ``dxltieclient.callbacks``.

Subclass one and override its method, then register an instance with the matching
``TieClient.add_*_callback``. The library decodes and transforms each event (hashes to hex maps,
reputation lists to providerId maps keyed by ``int``) before the method is called with
``(event_dict, original_event)``; ``original_event`` is a :class:`dxltie.message.Event`.

The methods run on the client's dispatcher thread, one at a time, in arrival order. An
exception raised by a method is logged (logger ``dxltie``) and swallowed; later events are
still delivered. Unlike ``dxltieclient``, a method may make synchronous TIE requests.

The type hints are in ``callbacks.pyi`` beside this file: the methods here keep the reference's
exact signatures (``tests/test_api.py`` compares them with ``inspect.signature``, annotations
included); ``tests/test_typing.py`` checks that the stub and this module agree.
"""

__all__ = ["MessageCallback", "EventCallback", "RequestCallback", "ResponseCallback",
           "ReputationChangeCallback", "DetectionCallback", "FirstInstanceCallback"]


class MessageCallback(object):
    """The base class of every callback (``dxlclient.callbacks.MessageCallback``)."""

    def __init__(self):  # type: ignore[no-untyped-def]
        """Makes a callback; subclasses override the ``on_*`` method of their kind."""
        super(MessageCallback, self).__init__()


class EventCallback(MessageCallback):
    """Receives DXL events (``dxlclient.callbacks.EventCallback``): override :meth:`on_event`
    and register an instance with :meth:`dxltie.DxlClient.add_event_callback`. It is also the
    base class of the TIE callbacks (:class:`DetectionCallback`,
    :class:`FirstInstanceCallback`, :class:`ReputationChangeCallback`), which
    :class:`dxltie.TieClient` calls with the decoded event instead.

    **Example Usage**

        .. code-block:: python

            class PrintEvents(EventCallback):
                def on_event(self, event):
                    print(event.destination_topic, event.payload.decode())

            client.add_event_callback("/mycompany/events/#", PrintEvents())
    """

    def on_event(self, event):
        """Called on the dispatcher thread with each :class:`dxltie.message.Event` received on
        the callback's topic.

        :param event: the event (a copy: it may be kept)
        """
        raise NotImplementedError("Must be implemented in a child class.")


class RequestCallback(MessageCallback):
    """Receives DXL requests (``dxlclient.callbacks.RequestCallback``): the callbacks of a
    :class:`dxltie.service.ServiceRegistrationInfo`, or of
    :meth:`dxltie.DxlClient.add_request_callback`. Answer with
    :meth:`dxltie.DxlClient.send_response` and a :class:`dxltie.message.Response` or
    :class:`dxltie.message.ErrorResponse`."""

    def on_request(self, request):
        """Called on the dispatcher thread with each :class:`dxltie.message.Request` received.

        :param request: the request (a copy: it may be kept and answered later)
        """
        raise NotImplementedError("Must be implemented in a child class.")


class ResponseCallback(MessageCallback):
    """Receives DXL responses (``dxlclient.callbacks.ResponseCallback``): the answer to an
    :meth:`dxltie.DxlClient.async_request`, or every response on a topic with
    :meth:`dxltie.DxlClient.add_response_callback`."""

    def on_response(self, response):
        """Called on the dispatcher thread with a :class:`dxltie.message.Response` or
        :class:`dxltie.message.ErrorResponse`.

        :param response: the response (a copy: it may be kept)
        """
        raise NotImplementedError("Must be implemented in a child class.")


class ReputationChangeCallback(EventCallback):
    """Receives the events the TIE server broadcasts when the reputation of a file or a
    certificate changes (someone set an Enterprise reputation, an external provider reported
    one, GTI changed its mind).

    To use it: derive a class, override :meth:`on_reputation_change`, and register an instance
    with :meth:`dxltie.TieClient.add_file_reputation_change_callback` (file changes, topic
    ``/mcafee/event/tie/file/repchange/broadcast``) and/or
    :meth:`dxltie.TieClient.add_certificate_reputation_change_callback` (certificate changes,
    ``/mcafee/event/tie/cert/repchange/broadcast``). One instance may be registered for both.

    **Example Usage**

        .. code-block:: python

            from dxltie import DxlClient, DxlClientConfig, ReputationChangeCallback, TieClient
            from dxltie.constants import FileProvider, RepChangeEventProp, ReputationProp

            class TrustWatcher(ReputationChangeCallback):
                def on_reputation_change(self, rep_change_dict, original_event):
                    new = rep_change_dict[RepChangeEventProp.NEW_REPUTATIONS]
                    old = rep_change_dict[RepChangeEventProp.OLD_REPUTATIONS]
                    ent_new = new.get(FileProvider.ENTERPRISE, {}).get(ReputationProp.TRUST_LEVEL)
                    ent_old = old.get(FileProvider.ENTERPRISE, {}).get(ReputationProp.TRUST_LEVEL)
                    print(rep_change_dict["hashes"], ent_old, "->", ent_new)

            with DxlClient(DxlClientConfig.create_dxl_config_from_file("dxlclient.config")) as client:
                client.connect()
                TieClient(client).add_file_reputation_change_callback(TrustWatcher())
                ...  # events arrive on the client's dispatcher thread
    """

    def on_reputation_change(self, rep_change_dict, original_event):
        """Called once for each reputation change event; override it (the base method raises
        :class:`NotImplementedError`).

        **The reputation change dict** (a file's; the property names are in
        :class:`dxltie.constants.FileRepChangeEventProp` and
        :class:`dxltie.constants.CertRepChangeEventProp`):

            .. code-block:: python

                {
                    "hashes": {
                        "md5": "f2c7bb8acc97f92e987a2d4087d021b1",
                        "sha1": "7eb0139d2175739b3ccb0d1110067820be6abd29",
                        "sha256": "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2",
                    },
                    "oldReputations": {
                        1: {"attributes": {"2120340": "2139160704"}, "createDate": 1451502875,
                            "providerId": 1, "trustLevel": 99},
                        3: {"attributes": {"2101652": "17", "2102165": "1451502875", ...},
                            "createDate": 1451502875, "providerId": 3, "trustLevel": 0},
                    },
                    "newReputations": {
                        1: {...},
                        3: {"attributes": {...}, "createDate": 1795992746, "providerId": 3,
                            "trustLevel": 85},
                    },
                    "updateTime": 1795992746,
                    "relationships": {"certificate": {"hashes": {...}, "publicKeySha1": "435dfd47..."}},
                }

        * ``hashes``: the file's or certificate's hashes, hash type (:class:`dxltie.constants.HashType`)
          → lower-case hex; for a certificate, the SHA-1 of the certificate, and the SHA-1 of its
          public key in a top-level ``publicKeySha1`` when the server sent one;
        * ``newReputations`` / ``oldReputations``: the reputations after and before the change,
          keyed by the ``int`` provider id (:class:`dxltie.constants.FileProvider`,
          :class:`dxltie.constants.CertProvider`), each as :meth:`dxltie.TieClient.get_file_reputation`
          returns them (``trustLevel``, ``createDate``, ``providerId``, ``attributes``);
        * ``updateTime``: when the change happened (epoch seconds);
        * ``relationships`` (files only, when the server sent it): the signing certificate.

        The method runs on the client's dispatcher thread; an exception it raises is logged to the
        ``dxltie`` logger and later events are still delivered.

        :param rep_change_dict: the transformed event, as above
        :param original_event: the DXL event it arrived in (topic, message id, raw payload)
        """
        raise NotImplementedError("Must be implemented in a child class.")


class DetectionCallback(EventCallback):
    """Receives the file detection events that endpoints send when a file's locally computed
    reputation led to a detection.

    To use it: derive a class, override :meth:`on_detection`, and register an instance with
    :meth:`dxltie.TieClient.add_file_detection_callback` (topic
    ``/mcafee/event/tie/file/detection``).

    **Example Usage**

        .. code-block:: python

            from dxltie import DetectionCallback, DxlClient, DxlClientConfig, TieClient
            from dxltie.util import MessageUtils

            class PrintDetections(DetectionCallback):
                def on_detection(self, detection_dict, original_event):
                    print(MessageUtils.dict_to_json(detection_dict, pretty_print=True))

            with DxlClient(DxlClientConfig.create_dxl_config_from_file("dxlclient.config")) as client:
                client.connect()
                TieClient(client).add_file_detection_callback(PrintDetections())
                ...  # events arrive on the client's dispatcher thread
    """

    def on_detection(self, detection_dict, original_event):
        """Called once for each detection event; override it (the base method raises
        :class:`NotImplementedError`).

        **The detection dict** (property names in :class:`dxltie.constants.DetectionEventProp`):

            .. code-block:: python

                {
                    "agentGuid": "{f72a1342-076f-46f8-bba0-f15e7b107cfc}",
                    "detectionTime": 1795992747,
                    "hashes": {
                        "md5": "eb5e2b9dc51817a086d7b97eb52410ab",
                        "sha1": "435dfd470f727437c7cb4f07cba1f9a1f4272656",
                        "sha256": "414bb16b10ece2db2d8448cb9f313f80cb77c310ca0c19ee03c73cba0c16fedb",
                    },
                    "localReputation": 1,
                    "name": "FOCUS_MALWARE2.EXE",
                    "remediationAction": 5,
                }

        * ``agentGuid``: the system the detection happened on;
        * ``detectionTime``: when (epoch seconds);
        * ``hashes``: the file's hashes, hash type → lower-case hex (the event carries base64;
          the library converts it, as ``dxltieclient`` does);
        * ``localReputation``: the trust level computed on the endpoint
          (:class:`dxltie.constants.TrustLevel`);
        * ``name``: the file name;
        * ``remediationAction``: what the endpoint did about it.

        The method runs on the client's dispatcher thread; an exception it raises is logged to the
        ``dxltie`` logger and later events are still delivered.

        :param detection_dict: the transformed event, as above
        :param original_event: the DXL event it arrived in (topic, message id, raw payload)
        """
        raise NotImplementedError("Must be implemented in a child class.")


class FirstInstanceCallback(EventCallback):
    """Receives the first-instance events the TIE server sends the first time a file is seen
    anywhere in the enterprise.

    To use it: derive a class, override :meth:`on_first_instance`, and register an instance
    with :meth:`dxltie.TieClient.add_file_first_instance_callback` (topic
    ``/mcafee/event/tie/file/firstinstance``).

    **Example Usage**

        .. code-block:: python

            from dxltie import DxlClient, DxlClientConfig, FirstInstanceCallback, TieClient

            class NewFiles(FirstInstanceCallback):
                def on_first_instance(self, first_instance_dict, original_event):
                    print("new file", first_instance_dict["name"], "on", first_instance_dict["agentGuid"])

            with DxlClient(DxlClientConfig.create_dxl_config_from_file("dxlclient.config")) as client:
                client.connect()
                TieClient(client).add_file_first_instance_callback(NewFiles())
                ...  # events arrive on the client's dispatcher thread
    """

    def on_first_instance(self, first_instance_dict, original_event):
        """Called once for each first-instance event; override it (the base method raises
        :class:`NotImplementedError`).

        **The first-instance dict** (property names in
        :class:`dxltie.constants.FirstInstanceEventProp`):

            .. code-block:: python

                {
                    "agentGuid": "{5c3d9366-03f2-4fdb-8c24-d98e906355cf}",
                    "hashes": {
                        "md5": "31dbe8cc443d2ca7fd236ac00a52fb17",
                        "sha1": "2d6ca45061b7972312e00e5933fdff95bb90b61b",
                        "sha256": "aa3c461d4c21a392e372d0d6ca4ceb1e4d88098d587659454eaf4d93c661880f",
                    },
                    "name": "MORPH.EXE",
                }

        * ``agentGuid``: the system the file was first seen on;
        * ``hashes``: the file's hashes, hash type → lower-case hex;
        * ``name``: the file name.

        The method runs on the client's dispatcher thread; an exception it raises is logged to the
        ``dxltie`` logger and later events are still delivered.

        :param first_instance_dict: the transformed event, as above
        :param original_event: the DXL event it arrived in (topic, message id, raw payload)
        """
        raise NotImplementedError("Must be implemented in a child class.")
