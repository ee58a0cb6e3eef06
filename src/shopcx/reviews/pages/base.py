"""What every reviews page shares: the permission each kind of action needs."""

from fastapi import Depends

from ...web.auth import require

Reader = Depends(require("reviews:read"))
Writer = Depends(require("reviews:write"))
Manager = Depends(require("reviews:settings"))
