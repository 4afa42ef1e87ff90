"""Packaging beyond what pyproject.toml can say: the LocalStack plug-ins' folder (``localstack-plugins/``, outside
the ``oratio/`` tree) travels inside the wheel as ``oratio/localstack_plugins/`` (see pyproject.toml)."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["oratio", "oratio.*"]),
                "oratio.localstack_plugins", "oratio.localstack_plugins.oratio_localstack"])
