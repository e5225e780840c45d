"""The bilingual (English/Vietnamese) web interface, served beside the API by ``kb serve``."""

from api.web.render import static_files
from api.web.routes import router

__all__ = ["router", "static_files"]
