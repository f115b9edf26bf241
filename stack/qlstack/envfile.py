"""The settings file of the compose deployment: every setting each service reads, rendered from
the settings classes themselves (each field with the comment above it in the source, and its
default), so it cannot drift from the code. ``deploy/env.example`` is it with the secrets left
empty (``./ql generate``); ``qingling init --secrets-only`` prints it with fresh secrets, as ``.env``."""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import json
import textwrap
import tokenize
from collections.abc import Iterator, Mapping

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from qingling.settings import ServiceSettings
from qlstack.install import secret_generators, token
from qlstack.services import SERVICE_NAMES

# What docker-compose.yml and the image decide, whatever the defaults of a single box are.
DEPLOYMENT = {
    "environment": "production",
    "peer_url": "http://gateway:8080",  # services reach each other through the gateway
    # The gateway's fixed address in docker-compose.yml: the only one whose X-Forwarded-For counts.
    "trusted_proxies": '["172.30.0.10"]',
    "data_dir": "/var/lib/qingling",
    "log_format": "json",
    "migrate_on_start": "false",  # the <service>-migrate jobs migrate, once
    "run_workers": "false",  # the <service>-worker containers run them
}
# Read per service although declared for all: docker-compose.yml builds each database URL from
# the service's password; each service has its own client secret.
PER_SERVICE = ("database_url", "service_client_secret")
POSTGRES_PASSWORDS = ("POSTGRES_PASSWORD", *(f"QL_DB_PASSWORD_{name.upper()}" for name in SERVICE_NAMES))

HEADER = """\
# 清零 Qingling — the settings of the docker-compose deployment: every setting each service reads.
# Generated from the services' settings classes by `./ql generate`; do not edit this example.
# Make the deployment's own, with every secret filled in afresh, next to docker-compose.yml:
#   ./ql init --secrets-only > .env && chmod 600 .env
# QL_<FIELD> applies to every service, QL_<SERVICE>_<FIELD> to one (and wins). A commented line
# shows the default; uncomment it to change it. Production refuses an empty or demo secret."""


def settings_classes() -> dict[str, type[ServiceSettings]]:
    return {name: importlib.import_module(f"{name}.config").Settings for name in SERVICE_NAMES}


def field_notes(cls: type) -> dict[str, str]:
    """The comment block above each field of ``cls`` or a base it mixes in, and the one at the
    field's line's end, from their source."""
    notes: dict[str, str] = {}
    for klass in cls.__mro__:
        if issubclass(klass, BaseModel) and klass.__module__.split(".")[0] in ("qingling", *SERVICE_NAMES):
            notes = _notes_of(klass) | notes  # a subclass's own comment wins
    return notes


def _notes_of(cls: type) -> dict[str, str]:
    source = textwrap.dedent(inspect.getsource(cls))
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and not tok.string.startswith(("# fmt:", "# noqa")):
            comments[tok.start[0]] = tok.string.removeprefix("#").strip()
    lines = source.splitlines()
    notes: dict[str, str] = {}
    for node in ast.parse(source).body[0].body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        above, row = [], node.lineno - 1
        while row in comments and lines[row - 1].lstrip().startswith("#"):
            above.insert(0, comments[row])
            row -= 1
        inline = [comments[r] for r in range(node.lineno, node.end_lineno + 1) if r in comments and r not in above]
        notes[node.target.id] = "\n".join([*above, *inline])
    return notes


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return ""
    dumped = TypeAdapter(field.annotation).dump_python(value, mode="json")
    return dumped if isinstance(dumped, str) else json.dumps(dumped, ensure_ascii=False)


def _lines(prefix: str, cls: type, names: list[str], secrets: Mapping[str, str | None]) -> Iterator[str]:
    notes = field_notes(cls)
    for name in names:
        env = f"{prefix}{name.upper()}"
        if (note := notes.get(name)) and name != "database_url":
            yield ""
            yield from (f"# {line}".rstrip() for line in note.splitlines())
        if env in secrets:
            yield f"{env}={secrets[env] or ''}"
        elif name in DEPLOYMENT and prefix == "QL_":
            yield f"{env}={DEPLOYMENT[name]}"
        elif name == "database_url":
            yield f"# {env} is set by docker-compose.yml from QL_DB_PASSWORD_{prefix[3:-1]}"
        else:
            yield f"# {env}={_default(cls.model_fields[name])}"


def example() -> str:
    """``deploy/env.example``: the secrets left empty."""
    return render(dict.fromkeys([*POSTGRES_PASSWORDS, *secret_generators()]))


def with_fresh_secrets() -> str:
    """A deployment's ``.env``: every secret generated afresh (the database passwords too)."""
    secrets = {name: generate() for name, generate in secret_generators().items()}
    return render(secrets | {name: token() for name in POSTGRES_PASSWORDS})


def render(secrets: Mapping[str, str | None]) -> str:
    """The file, with ``secrets`` (variable → value; None leaves it empty) in place."""
    out = [HEADER, "", "## PostgreSQL (deploy/postgres): its superuser, and one role and database per service"]
    out += [f"{name}={secrets.get(name) or ''}" for name in POSTGRES_PASSWORDS]
    shared = [name for name in ServiceSettings.model_fields if name not in PER_SERVICE]
    out += ["", "## Every service (QL_<FIELD>)", *_lines("QL_", ServiceSettings, shared, secrets)]
    for service, cls in settings_classes().items():
        own = [name for name in cls.model_fields if name not in ServiceSettings.model_fields]
        prefix = f"QL_{service.upper()}_"
        out += ["", f"## {service} ({prefix}<FIELD>)", *_lines(prefix, ServiceSettings, list(PER_SERVICE), secrets)]
        out += _lines(prefix, cls, own, secrets)
    return "\n".join(out) + "\n"
