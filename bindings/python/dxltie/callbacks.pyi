# Type hints of dxltie.callbacks (callbacks.py keeps the reference's unannotated signatures;
# tests/test_typing.py checks that the two agree). Documentation: callbacks.py.
from typing import Any, Dict, List

from .message import Event, Request, Response

__all__: List[str]

class MessageCallback(object): ...

class EventCallback(MessageCallback):
    def on_event(self, event: Event) -> None: ...

class RequestCallback(MessageCallback):
    def on_request(self, request: Request) -> None: ...

class ResponseCallback(MessageCallback):
    def on_response(self, response: Response) -> None: ...

class ReputationChangeCallback(EventCallback):
    def on_reputation_change(self, rep_change_dict: Dict[str, Any], original_event: Event) -> None: ...

class DetectionCallback(EventCallback):
    def on_detection(self, detection_dict: Dict[str, Any], original_event: Event) -> None: ...

class FirstInstanceCallback(EventCallback):
    def on_first_instance(self, first_instance_dict: Dict[str, Any], original_event: Event) -> None: ...
