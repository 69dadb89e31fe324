"""The TIE event callback classes, as in ``dxltieclient.callbacks``.

Subclass one and override its method, then register an instance with the matching
``TieClient.add_*_callback``. The library decodes and transforms each event (hashes to hex maps,
reputation lists to providerId maps keyed by ``int``) before the method is called with
``(event_dict, original_event)``; ``original_event`` is a :class:`dxltie.message.Event`.

The methods run on the client's dispatcher thread, one at a time, in arrival order. An
exception raised by a method is logged (logger ``dxltie``) and swallowed; later events are
still delivered. Unlike ``dxltieclient``, a method may make synchronous TIE requests.
"""

__all__ = ["EventCallback", "ReputationChangeCallback", "DetectionCallback", "FirstInstanceCallback"]


class EventCallback(object):
    """Base class of the TIE callbacks (``dxlclient.callbacks.EventCallback`` in the reference)."""


class ReputationChangeCallback(EventCallback):
    """Receives file or certificate reputation change events
    (``TieClient.add_file_reputation_change_callback``,
    ``TieClient.add_certificate_reputation_change_callback``)."""

    def on_reputation_change(self, rep_change_dict, original_event):
        """Called for each reputation change event.

        :param rep_change_dict: ``hashes`` (type → hex), ``newReputations`` and
            ``oldReputations`` (providerId → reputation), ``updateTime``, and for files
            ``relationships`` / for certificates ``publicKeySha1``
        :param original_event: the DXL event (:class:`dxltie.message.Event`)
        """
        raise NotImplementedError("Must be implemented in a child class.")


class DetectionCallback(EventCallback):
    """Receives file detection events (``TieClient.add_file_detection_callback``)."""

    def on_detection(self, detection_dict, original_event):
        """Called for each detection event.

        :param detection_dict: ``agentGuid``, ``detectionTime``, ``hashes`` (type → hex),
            ``localReputation``, ``name``, ``remediationAction``
        :param original_event: the DXL event (:class:`dxltie.message.Event`)
        """
        raise NotImplementedError("Must be implemented in a child class.")


class FirstInstanceCallback(EventCallback):
    """Receives file first-instance events (``TieClient.add_file_first_instance_callback``)."""

    def on_first_instance(self, first_instance_dict, original_event):
        """Called for each first-instance event.

        :param first_instance_dict: ``agentGuid``, ``hashes`` (type → hex), ``name``
        :param original_event: the DXL event (:class:`dxltie.message.Event`)
        """
        raise NotImplementedError("Must be implemented in a child class.")
