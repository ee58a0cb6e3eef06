"""Imports every domain's tables so the metadata (and Alembic) sees them all."""

from ..customers import models as customers  # noqa: F401
from ..imports import models as imports  # noqa: F401
from ..insights import tables as insights  # noqa: F401
from ..loyalty import models as loyalty  # noqa: F401
from ..orders import models as orders  # noqa: F401
from ..reviews import models as reviews  # noqa: F401
from ..shops import models as shops  # noqa: F401
from ..staff import models as staff  # noqa: F401
from . import events  # noqa: F401
from .db import Base

metadata = Base.metadata
