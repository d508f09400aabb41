from tests.conftest import *  # noqa: F403
from tests.conftest import _empty_tables  # noqa: F401
