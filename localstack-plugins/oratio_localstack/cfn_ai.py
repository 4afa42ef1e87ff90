"""CloudFormation resource providers for the AI layer's resource types that LocalStack lacks, calling the APIs that
oratio's plug-ins serve, so that cdklocal deploys of ``cdk.out`` create real resources:

- ``AWS::BedrockAgentCore::Runtime``: Ref is the AgentRuntimeId; GetAtt AgentRuntimeArn, AgentRuntimeId,
  AgentRuntimeVersion, Status, CreatedAt, LastUpdatedAt, WorkloadIdentityDetails.WorkloadIdentityArn. Create and
  update wait until the runtime is READY (its code fetched and checked) and fail with the runtime's failureReason.
- ``AWS::S3Vectors::VectorBucket``: Ref is the VectorBucketArn; GetAtt VectorBucketArn, CreationTime.
- ``AWS::S3Vectors::Index``: Ref is the IndexArn; GetAtt IndexArn, CreationTime.
The vector types have no updatable properties: a change replaces them (CloudFormation's createOnlyProperties).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import localstack.services.cloudformation.provider_utils as util
from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    OperationStatus,
    ProgressEvent,
    ResourceProvider,
)

READY_TIMEOUT_S = 60.0


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase properties as the API's camelCase members (maps of user keys kept as given)."""
    if isinstance(value, list):
        return [_camel(v) for v in value]
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: (v if k in ("EnvironmentVariables", "Tags") else _camel(v))
                for k, v in value.items()}
    return value


def _failed(message: str) -> ProgressEvent:
    return ProgressEvent(status=OperationStatus.FAILED, message=message, error_code="GeneralServiceException")


# --- AgentCore Runtime ------------------------------------------------------------------------------------------
class RuntimeProvider(ResourceProvider):
    TYPE = "AWS::BedrockAgentCore::Runtime"
    SCHEMA = {"primaryIdentifier": ["/properties/AgentRuntimeId"],
              "createOnlyProperties": ["/properties/AgentRuntimeName"], "properties": {}}

    @staticmethod
    def _parameters(model: dict[str, Any]) -> dict[str, Any]:
        parameters = {"agentRuntimeArtifact": _camel(model["AgentRuntimeArtifact"]), "roleArn": model["RoleArn"],
                      "networkConfiguration": _camel(model.get("NetworkConfiguration") or {"NetworkMode": "PUBLIC"})}
        for field in ("Description", "EnvironmentVariables", "LifecycleConfiguration", "AuthorizerConfiguration",
                      "RequestHeaderConfiguration"):
            if model.get(field) is not None:
                value = model[field]
                parameters[field[:1].lower() + field[1:]] = value if field == "EnvironmentVariables" else _camel(value)
        if isinstance(model.get("ProtocolConfiguration"), str):  # CloudFormation: "HTTP"; the API: an object
            parameters["protocolConfiguration"] = {"serverProtocol": model["ProtocolConfiguration"]}
        return parameters

    @staticmethod
    def _wait(control: Any, runtime_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            runtime = control.get_agent_runtime(agentRuntimeId=runtime_id)
            if runtime["status"] not in ("CREATING", "UPDATING") or time.monotonic() > deadline:
                return runtime
            time.sleep(0.2)

    @staticmethod
    def _attributes(model: dict[str, Any], runtime: dict[str, Any]) -> None:
        model.update(AgentRuntimeId=runtime["agentRuntimeId"], AgentRuntimeArn=runtime["agentRuntimeArn"],
                     AgentRuntimeVersion=runtime["agentRuntimeVersion"], Status=runtime["status"],
                     CreatedAt=str(runtime["createdAt"]), LastUpdatedAt=str(runtime["lastUpdatedAt"]),
                     WorkloadIdentityDetails={"WorkloadIdentityArn":
                                              runtime["workloadIdentityDetails"]["workloadIdentityArn"]})

    def create(self, request: Any) -> ProgressEvent:
        model, control = request.desired_state, request.aws_client_factory.bedrock_agentcore_control
        model.setdefault("AgentRuntimeName", util.generate_default_name(request.stack_name,
                                                                        request.logical_resource_id)
                         .replace("-", "_")[:48])
        created = control.create_agent_runtime(agentRuntimeName=model["AgentRuntimeName"],
                                               tags=model.get("Tags") or {}, **self._parameters(model))
        runtime = self._wait(control, created["agentRuntimeId"])
        if runtime["status"] != "READY":
            control.delete_agent_runtime(agentRuntimeId=created["agentRuntimeId"])
            return _failed(f"agent runtime {created['agentRuntimeId']} is {runtime['status']}: "
                           f"{runtime.get('failureReason', 'not READY in time')}")
        self._attributes(model, runtime)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def update(self, request: Any) -> ProgressEvent:
        model, control = request.desired_state, request.aws_client_factory.bedrock_agentcore_control
        runtime_id = request.previous_state["AgentRuntimeId"]
        model["AgentRuntimeName"] = request.previous_state["AgentRuntimeName"]
        control.update_agent_runtime(agentRuntimeId=runtime_id, **self._parameters(model))
        runtime = self._wait(control, runtime_id)
        if runtime["status"] != "READY":
            return _failed(f"agent runtime {runtime_id} is {runtime['status']}: "
                           f"{runtime.get('failureReason', 'not READY in time')}")
        self._attributes(model, runtime)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(self, request: Any) -> ProgressEvent:
        control = request.aws_client_factory.bedrock_agentcore_control
        with contextlib.suppress(control.exceptions.ResourceNotFoundException):
            control.delete_agent_runtime(agentRuntimeId=request.desired_state["AgentRuntimeId"])
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})


# --- S3 Vectors -------------------------------------------------------------------------------------------------
class VectorBucketProvider(ResourceProvider):
    TYPE = "AWS::S3Vectors::VectorBucket"
    SCHEMA = {"primaryIdentifier": ["/properties/VectorBucketArn"],
              "createOnlyProperties": ["/properties/VectorBucketName", "/properties/EncryptionConfiguration"],
              "properties": {}}

    def create(self, request: Any) -> ProgressEvent:
        model, s3v = request.desired_state, request.aws_client_factory.s3vectors
        model.setdefault("VectorBucketName", util.generate_default_name(request.stack_name,
                                                                        request.logical_resource_id).lower()[:63])
        parameters: dict[str, Any] = {"vectorBucketName": model["VectorBucketName"]}
        if model.get("EncryptionConfiguration"):
            parameters["encryptionConfiguration"] = _camel(model["EncryptionConfiguration"])
        if model.get("Tags"):
            parameters["tags"] = {t["Key"]: t["Value"] for t in model["Tags"]}
        arn = s3v.create_vector_bucket(**parameters)["vectorBucketArn"]
        bucket = s3v.get_vector_bucket(vectorBucketArn=arn)["vectorBucket"]
        model.update(VectorBucketArn=arn, CreationTime=str(bucket["creationTime"]))
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def update(self, request: Any) -> ProgressEvent:
        model = request.desired_state
        for key in ("VectorBucketName", "VectorBucketArn", "CreationTime"):
            model[key] = request.previous_state.get(key)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(self, request: Any) -> ProgressEvent:
        s3v = request.aws_client_factory.s3vectors
        with contextlib.suppress(s3v.exceptions.NotFoundException):
            s3v.delete_vector_bucket(vectorBucketArn=request.desired_state["VectorBucketArn"])
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})


class IndexProvider(ResourceProvider):
    TYPE = "AWS::S3Vectors::Index"
    SCHEMA = {"primaryIdentifier": ["/properties/IndexArn"],
              "createOnlyProperties": ["/properties/IndexName", "/properties/VectorBucketName",
                                       "/properties/VectorBucketArn", "/properties/Dimension",
                                       "/properties/DistanceMetric", "/properties/DataType",
                                       "/properties/MetadataConfiguration"], "properties": {}}

    def create(self, request: Any) -> ProgressEvent:
        model, s3v = request.desired_state, request.aws_client_factory.s3vectors
        model.setdefault("IndexName", util.generate_default_name(request.stack_name,
                                                                 request.logical_resource_id).lower()[:63])
        parameters: dict[str, Any] = {"indexName": model["IndexName"], "dataType": model.get("DataType", "float32"),
                                      "dimension": int(model["Dimension"]), "distanceMetric": model["DistanceMetric"]}
        if model.get("VectorBucketArn"):
            parameters["vectorBucketArn"] = model["VectorBucketArn"]
        else:
            parameters["vectorBucketName"] = model["VectorBucketName"]
        if model.get("MetadataConfiguration"):
            parameters["metadataConfiguration"] = _camel(model["MetadataConfiguration"])
        arn = s3v.create_index(**parameters)["indexArn"]
        index = s3v.get_index(indexArn=arn)["index"]
        model.update(IndexArn=arn, CreationTime=str(index["creationTime"]))
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def update(self, request: Any) -> ProgressEvent:
        model = request.desired_state
        for key in ("IndexName", "IndexArn", "CreationTime"):
            model[key] = request.previous_state.get(key)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(self, request: Any) -> ProgressEvent:
        s3v = request.aws_client_factory.s3vectors
        with contextlib.suppress(s3v.exceptions.NotFoundException):
            s3v.delete_index(indexArn=request.desired_state["IndexArn"])
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})


class RuntimeProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::BedrockAgentCore::Runtime"

    def load(self) -> None:
        self.factory = RuntimeProvider


class VectorBucketProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::S3Vectors::VectorBucket"

    def load(self) -> None:
        self.factory = VectorBucketProvider


class IndexProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::S3Vectors::Index"

    def load(self) -> None:
        self.factory = IndexProvider
