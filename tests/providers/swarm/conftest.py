import pytest
from swarm_support import engine_client, start_sandbox


@pytest.fixture(scope="module")
def swarm_box(tmp_path_factory):
    box = start_sandbox(tmp_path_factory.mktemp("swarm-box"))
    yield box
    box.close()


@pytest.fixture(scope="module")
def engine(swarm_box):
    return engine_client(swarm_box)
