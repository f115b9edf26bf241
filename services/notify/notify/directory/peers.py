"""The two services that know people, asked over HTTP with notify's own token
(``ServiceScope.DIRECTORY``, held by notify alone): identity for accounts and mini-program users,
hazards for an enterprise's people in the register. Both answer ``qingling.directory.Listing``."""

from __future__ import annotations

import httpx
import structlog
from pydantic import ValidationError

from qingling.directory import DIRECTORY_PATH, Listing, Place
from qingling.errors import ServiceUnavailable
from qingling.runtime import Runtime

log = structlog.get_logger(__name__)


class DirectoryUnavailable(ServiceUnavailable):
    code, title = "directory-unavailable", "收件人名册暂时无法查询（身份服务或隐患服务未答复），稍后重试"


async def ask(runtime: Runtime, service: str, place: Place) -> Listing:
    """The people ``service`` knows at ``place``; ``DirectoryUnavailable`` when it cannot say."""
    url = f"{runtime.settings.peer_url}/api/v1/{service}{DIRECTORY_PATH}"
    try:
        response = await runtime.http.get(url, params={"place": str(place)}, auth=runtime.service_auth)
    except httpx.HTTPError as exc:  # also a failed token request of our own
        log.warning("directory unreachable", service=service, place=str(place), error=type(exc).__name__)
        raise DirectoryUnavailable(f"{service} 服务无法连接") from exc
    if response.status_code != 200:
        log.warning("directory refused", service=service, place=str(place), status=response.status_code)
        raise DirectoryUnavailable(f"{service} 服务返回 {response.status_code}")
    try:
        return Listing.model_validate_json(response.content)
    except ValidationError as exc:  # the error would quote the body, phones and all: not logged
        log.warning("directory answer unreadable", service=service, place=str(place))
        raise DirectoryUnavailable(f"{service} 服务的答复无法读取") from exc
