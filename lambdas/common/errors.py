"""Errors whose class names Step Functions sees as the error name (``InvalidRequest``, ``AgentNotFound``...):
the workflow's catch records them on the agent as the reason of its failure."""

from __future__ import annotations


class PlatformError(Exception):
    """An expected failure: its message is the reason recorded on the agent."""


class InvalidRequest(PlatformError):
    """The event or the agent's specification is malformed: retrying cannot help."""


class AgentNotFound(PlatformError):
    """No agent record for this userId and agentId."""


class CodeNotReady(PlatformError):
    """The generated code is missing or invalid when it must be deployed."""


class DeploymentFailed(PlatformError):
    """AgentCore could not make the agent's runtime ready (its status and reason are in the message)."""
