"""Where the embedded LocalStack lives: everything under one git-ignored project folder, ``.oratio/localstack/``."""

from __future__ import annotations

import os
from pathlib import Path

import attrs

PORT_VARIABLE = "ORATIO_LOCALSTACK_PORT"
DEFAULT_PORT = 4566


def project_root() -> Path:
    return Path(__file__).resolve().parents[4]


@attrs.frozen
class Layout:
    root: Path
    port: int = DEFAULT_PORT

    @classmethod
    def default(cls) -> Layout:
        port = os.environ.get(PORT_VARIABLE)
        return cls(project_root() / ".oratio" / "localstack", int(port) if port else DEFAULT_PORT)

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
        return project_root() / "localstack-plugins" / "oratio_localstack" / "loopback.js"

    @property
    def stamp(self) -> Path:
        return self.root / "installed.json"
