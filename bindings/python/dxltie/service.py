"""``ServiceRegistrationInfo``: a DXL service to register, as ``dxlclient.service`` has it."""

from __future__ import annotations

import uuid
from typing import Any, Dict, KeysView, List

__all__ = ["ServiceRegistrationInfo"]


class ServiceRegistrationInfo(object):
    """A service: its type, instance id, metadata, time to live and request topics with their
    callbacks. Register it with :meth:`dxltie.DxlClient.register_service_sync` (waits for the
    fabric's registry) or :meth:`dxltie.DxlClient.register_service_async`.

    **Example Usage**

        .. code-block:: python

            class Echo(RequestCallback):
                def on_request(self, request):
                    response = Response(request)
                    response.payload = request.payload
                    client.send_response(response)

            info = ServiceRegistrationInfo(client, "/mycompany/echo")
            info.add_topic("/mycompany/echo/request", Echo())
            client.register_service_sync(info, 10)

    The client registers the service again at every connect and after every :attr:`ttl`.

    :param client: the :class:`dxltie.DxlClient` the service is for
    :param service_type: the service type, e.g. ``"/mycompany/echo"``
    """

    def __init__(self, client: Any, service_type: str) -> None:
        self._client = client
        self._service_type = service_type
        self._service_id = "{%s}" % uuid.uuid4()
        self._metadata: Dict[str, str] = {}
        self._ttl = 60
        self._callbacks_by_topic: Dict[str, List[Any]] = {}
        self._destination_tenant_guids: List[str] = []

    @property
    def service_type(self) -> str:
        """The service type."""
        return self._service_type

    @property
    def service_id(self) -> str:
        """The instance id, ``"{uuid}"``."""
        return self._service_id

    @property
    def metadata(self) -> Dict[str, str]:
        """Metadata sent to the registry: a ``dict`` of ``str`` to ``str``."""
        return self._metadata

    @metadata.setter
    def metadata(self, metadata: Dict[str, str]) -> None:
        self._metadata = dict(metadata)

    @property
    def ttl(self) -> int:
        """The registration's time to live, in minutes (default 60)."""
        return self._ttl

    @ttl.setter
    def ttl(self, ttl: int) -> None:
        self._ttl = ttl

    @property
    def topics(self) -> KeysView[str]:
        """The request topics of the service."""
        return self._callbacks_by_topic.keys()

    @property
    def destination_tenant_guids(self) -> List[str]:
        """The tenants the service is for (empty: its own)."""
        return self._destination_tenant_guids

    @destination_tenant_guids.setter
    def destination_tenant_guids(self, guids: List[str]) -> None:
        self._destination_tenant_guids = list(guids)

    def add_topic(self, topic: str, callback: Any) -> None:
        """Adds a request topic and the :class:`dxltie.callbacks.RequestCallback` that answers
        its requests (several callbacks per topic are allowed). Add the topics before
        registering the service.

        :param topic: the request topic (a ``/#`` suffix for a subtree)
        :param callback: the callback
        :raises ValueError: for an empty topic or a missing callback
        """
        if not topic:
            raise ValueError("Topic must be a non-empty string")
        if callback is None:
            raise ValueError("Callback must not be None")
        self._callbacks_by_topic.setdefault(topic, []).append(callback)

    def add_topics(self, callbacks_by_topic: Dict[str, Any]) -> None:
        """Adds several topics at once (see :meth:`add_topic`).

        :param callbacks_by_topic: a ``dict`` of topic to callback
        :raises ValueError: for an empty dict, topic or callback
        """
        if not callbacks_by_topic:
            raise ValueError("Topics must be a non-empty dict")
        for topic, callback in callbacks_by_topic.items():
            self.add_topic(topic, callback)

    def _callbacks_for(self, topic: str) -> List[Any]:
        """The callbacks of a request's topic: those of the topic itself, then those of each
        wildcard parent (``/a/#``, ``/#``, ``#``), as the client matches them."""
        found = list(self._callbacks_by_topic.get(topic, []))
        rest = topic[:-2] if topic.endswith("/#") else topic
        while "/" in rest:
            rest = rest[:rest.rindex("/")]
            found += self._callbacks_by_topic.get(rest + "/#", [])
        if topic != "#":
            found += self._callbacks_by_topic.get("#", [])
        return found
