"""``DxlClientConfig.busy_poll_us`` (``dxltie_config_set_busy_poll``): checked like the other
settings, and a client that busy-polls answers its requests as one that does not."""

import pytest

import dxltie

from tie_responder import NOTEPAD


def test_busy_poll_is_checked(dxl_config):
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    assert config.busy_poll_us == 0
    for bad in (-1, 1001):
        with pytest.raises(ValueError):
            config.busy_poll_us = bad
    config.busy_poll_us = 1000
    assert config.busy_poll_us == 1000


def test_requests_with_busy_polling_get_the_same_answers(dxl_config, tie_client):
    config = dxltie.DxlClientConfig.create_dxl_config_from_file(dxl_config)
    config.busy_poll_us = 500
    expected = tie_client.get_file_reputation(NOTEPAD)
    with dxltie.DxlClient(config) as client:
        client.connect()
        busy = dxltie.TieClient(client)
        for _ in range(50):
            assert busy.get_file_reputation(NOTEPAD) == expected
