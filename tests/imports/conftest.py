import pytest


@pytest.fixture(autouse=True)
def _uploads_in_tmp(media_root):
    """Every import test stores its uploads in a temporary directory."""
    return media_root
