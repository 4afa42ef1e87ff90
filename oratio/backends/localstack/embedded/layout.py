"""Where the embedded LocalStack lives: everything under one git-ignored project folder, ``.oratio/localstack/``.

The project is the user's, never the installed package: the nearest folder, from the current one upwards,
holding ``cdk.json`` or ``pyproject.toml`` (``oratio init`` writes both); else this checkout when oratio runs
from one (``make test`` from a temporary folder still shares the checkout's LocalStack); else the current
folder. ``ORATIO_HOME`` names another folder for ``.oratio/`` itself (a user cache folder shared by projects).
"""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from oratio.errors import OratioError

PORT_VARIABLE = "ORATIO_LOCALSTACK_PORT"
HOME_VARIABLE = "ORATIO_HOME"
DEFAULT_PORT = 4566
PROJECT_MARKERS = ("cdk.json", "pyproject.toml")


def checkout_root() -> Path | None:
    """The oratio checkout this package runs from (an editable install), or None once installed from a wheel."""
    root = Path(__file__).resolve().parents[4]
    return root if (root / "localstack-plugins" / "pyproject.toml").is_file() and (root / "oratio").is_dir() \
        else None


def project_root(start: Path | None = None) -> Path:
    """The user's project folder (see the module's documentation); never site-packages."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / marker).is_file() for marker in PROJECT_MARKERS):
            return folder
    return checkout_root() or here


def oratio_home(start: Path | None = None) -> Path:
    """``.oratio/`` of the project: the embedded LocalStack, bundles, outputs."""
    explicit = os.environ.get(HOME_VARIABLE)
    return Path(explicit).expanduser().resolve() if explicit else project_root(start) / ".oratio"


def plugins_source() -> Path:
    """oratio's LocalStack plug-ins as a pip-installable folder: ``localstack-plugins/`` in a checkout, the copy
    inside the installed package (``oratio/localstack_plugins/``) otherwise."""
    checkout = checkout_root()
    if checkout is not None:
        return checkout / "localstack-plugins"
    return Path(__file__).resolve().parents[3] / "localstack_plugins"


def configured_port() -> int:
    """``ORATIO_LOCALSTACK_PORT``, or 4566: a TCP port number, else one line saying so."""
    value = os.environ.get(PORT_VARIABLE, "")
    if not value:
        return DEFAULT_PORT
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 65535):
        raise OratioError(f"{PORT_VARIABLE}={value!r} is not a TCP port (1-65535)",
                          f"set it to a free port, e.g. {PORT_VARIABLE}=4566, or unset it for 4566")
    return int(value)


@attrs.frozen
class Layout:
    root: Path
    port: int = DEFAULT_PORT

    @classmethod
    def default(cls) -> Layout:
        return cls(oratio_home() / "localstack", configured_port())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def filesystem(self) -> Path:
        """LocalStack's FILESYSTEM_ROOT: its data, packages (DynamoDB Local, Java) and temporary files."""
        return self.root / "fs"

    @property
    def dynamodb_local(self) -> Path:
        return self.filesystem / "usr" / "lib" / "localstack" / "dynamodb-local" / "2"

    @property
    def java_link(self) -> Path:
        return self.filesystem / "usr" / "lib" / "localstack" / "java" / "21"

    @property
    def npm_prefix(self) -> Path:
        return self.root / "npm"

    @property
    def lambda_site(self) -> Path:
        """boto3 for the Lambda processes (pure Python: one copy serves every interpreter)."""
        return self.root / "lambda-site"

    def lambda_node(self, runtime: str) -> Path:
        """Where the Node.js for a Lambda Node runtime (``nodejs22.x``) is installed from its wheel."""
        return self.root / "lambda-node" / runtime

    @property
    def lambda_node_sdk(self) -> Path:
        """The AWS SDK for JavaScript v3 clients for Node Lambdas (npm prefix; on NODE_PATH as on Lambda)."""
        return self.root / "lambda-node" / "sdk"

    @property
    def runtimes_file(self) -> Path:
        return self.root / "runtimes.json"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def log_file(self) -> Path:
        return self.root / "localstack.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "localstack.pid"

    @property
    def node_loopback(self) -> Path:
        return plugins_source() / "oratio_localstack" / "loopback.js"

    @property
    def stamp(self) -> Path:
        return self.root / "installed.json"
