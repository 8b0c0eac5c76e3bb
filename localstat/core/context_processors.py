from typing import Any

from django.http import HttpRequest

from localstat import __version__


def localstat(request: HttpRequest) -> dict[str, Any]:
    return {"localstat_version": __version__}
