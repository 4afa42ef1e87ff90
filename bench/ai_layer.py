"""The AI layer's local speed on a warm LocalStack (issue 14's targets in brackets): QueryVectors over 10,000
vectors of 1,024 dimensions [50 ms], ingestion of 100 one-page documents into a knowledge base over S3 Vectors
[10 s], and an agent runtime's first answer (its process started) [3 s] and next answer [0.5 s].

Usage: .venv/bin/python bench/ai_layer.py [--vectors 10000] [--dimension 1024] [--documents 100]
Uses the embedded LocalStack (started if needed) unless LOCALSTACK_ENDPOINT is set. Times are client-side
round trips through boto3, medians of repeated calls.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from oratio.backends.localstack import Target  # noqa: E402
from oratio.backends.localstack.embedded import ensure_running  # noqa: E402

AGENT = '''
import json, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Agent(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b'{"status": "Healthy"}')
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Agent).serve_forever()
'''
WORDS = ["refund", "office", "policy", "warehouse", "card", "delivery", "product", "customer", "support", "morning",
         "evening", "holiday", "invoice", "payment", "return", "order", "account", "address", "parcel", "courier",
         "schedule", "contract", "warranty", "repair"]


def timed(call: Any, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def bench_query_vectors(aws: Any, count: int, dimension: int) -> None:
    s3v, bucket = aws("s3vectors"), f"bench-{uuid.uuid4().hex[:8]}"
    s3v.create_vector_bucket(vectorBucketName=bucket)
    s3v.create_index(vectorBucketName=bucket, indexName="bench", dataType="float32", dimension=dimension,
                     distanceMetric="cosine")
    generator = random.Random(7)
    batches = [[{"key": f"v{i}", "data": {"float32": [generator.uniform(-1, 1) for _ in range(dimension)]},
                 "metadata": {"group": i % 10}} for i in range(first, min(first + 500, count))]
               for first in range(0, count, 500)]
    # boto3's own parameter validation of 512,000 floats a request is client work, not LocalStack's: skipped here.
    unvalidated = boto3.client("s3vectors", endpoint_url=s3v.meta.endpoint_url, region_name=s3v.meta.region_name,
                               aws_access_key_id="test", aws_secret_access_key="test",
                               config=Config(parameter_validation=False, proxies={}))
    started = time.perf_counter()
    for batch in batches:
        unvalidated.put_vectors(vectorBucketName=bucket, indexName="bench", vectors=batch)
    print(f"PutVectors: {count} vectors of {dimension} dimensions in {time.perf_counter() - started:.1f} s "
          f"(requests of 500, JSON encoding included)")
    query = {"float32": [generator.uniform(-1, 1) for _ in range(dimension)]}
    plain = timed(lambda: s3v.query_vectors(vectorBucketName=bucket, indexName="bench", topK=10, queryVector=query,
                                            returnDistance=True), 20)
    filtered = timed(lambda: s3v.query_vectors(vectorBucketName=bucket, indexName="bench", topK=10,
                                               queryVector=query, filter={"group": {"$in": [1, 2]}},
                                               returnMetadata=True), 20)
    print(f"QueryVectors over {count} x {dimension}: median {statistics.median(plain) * 1000:.1f} ms "
          f"(max {max(plain) * 1000:.1f}); with a metadata filter {statistics.median(filtered) * 1000:.1f} ms "
          f"[target 50 ms]; {load()}")
    base = timed(lambda: s3v.get_index(vectorBucketName=bucket, indexName="bench"), 20)
    print(f"  for comparison, GetIndex (LocalStack's request handling and boto3, no vectors): median "
          f"{statistics.median(base) * 1000:.1f} ms")
    s3v.delete_index(vectorBucketName=bucket, indexName="bench")
    s3v.delete_vector_bucket(vectorBucketName=bucket)


def bench_ingestion(aws: Any, documents: int) -> None:
    s3, s3v, agent = aws("s3"), aws("s3vectors"), aws("bedrock-agent")
    name = f"bench-kb-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    generator = random.Random(11)
    for number in range(documents):  # a page: about 400 words
        text = " ".join(generator.choice(WORDS) for _ in range(400))
        s3.put_object(Bucket=name, Key=f"docs/page-{number}.txt", Body=f"Page {number}. {text}".encode())
    s3v.create_vector_bucket(vectorBucketName=name)
    index_arn = s3v.create_index(vectorBucketName=name, indexName="kb-index", dataType="float32", dimension=1024,
                                 distanceMetric="cosine")["indexArn"]
    kb_id = agent.create_knowledge_base(
        name=name.replace("-", "_"), roleArn="arn:aws:iam::000000000000:role/kb",
        knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
            "embeddingModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"}},
        storageConfiguration={"type": "S3_VECTORS", "s3VectorsConfiguration": {"indexArn": index_arn}},
    )["knowledgeBase"]["knowledgeBaseId"]
    source_id = agent.create_data_source(knowledgeBaseId=kb_id, name="docs", dataSourceConfiguration={
        "type": "S3", "s3Configuration": {"bucketArn": f"arn:aws:s3:::{name}"}})["dataSource"]["dataSourceId"]
    started = time.perf_counter()
    job = agent.start_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=source_id)["ingestionJob"]
    work_s = time.perf_counter() - started
    while job["status"] not in ("COMPLETE", "FAILED"):
        time.sleep(0.05)
        job = agent.get_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=source_id,
                                      ingestionJobId=job["ingestionJobId"])["ingestionJob"]
    total_s = time.perf_counter() - started
    print(f"ingestion of {documents} one-page documents: {work_s:.2f} s of work, {total_s:.2f} s until "
          f"{job['status']} was reported ({job['statistics']['numberOfNewDocumentsIndexed']} indexed) [target 10 s]")
    retrieve = timed(lambda: aws("bedrock-agent-runtime").retrieve(knowledgeBaseId=kb_id,
                                                                   retrievalQuery={"text": "refund card"}), 10)
    print(f"Retrieve: median {statistics.median(retrieve) * 1000:.1f} ms")


def bench_agent(aws: Any) -> None:
    s3, control = aws("s3"), aws("bedrock-agentcore-control")
    bucket = f"bench-agent-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.py", AGENT)
    s3.put_object(Bucket=bucket, Key="agent.zip", Body=buffer.getvalue())
    created = control.create_agent_runtime(
        agentRuntimeName=f"bench_{uuid.uuid4().hex[:8]}", roleArn="arn:aws:iam::000000000000:role/agent",
        networkConfiguration={"networkMode": "PUBLIC"}, agentRuntimeArtifact={"codeConfiguration": {
            "code": {"s3": {"bucket": bucket, "prefix": "agent.zip"}}, "runtime": "PYTHON_3_12",
            "entryPoint": ["main.py"]}})
    started = time.perf_counter()
    while control.get_agent_runtime(agentRuntimeId=created["agentRuntimeId"])["status"] == "CREATING":
        time.sleep(0.05)
    print(f"agent runtime READY after {time.perf_counter() - started:.2f} s")
    session = f"bench-session-{uuid.uuid4()}"

    def ask() -> None:
        response = aws("bedrock-agentcore").invoke_agent_runtime(
            agentRuntimeArn=created["agentRuntimeArn"], runtimeSessionId=session, payload=b'{"prompt": "hi"}')
        response["response"].read()

    first = timed(ask, 1)[0]
    following = timed(ask, 10)
    print(f"agent answers: first (process started) {first:.2f} s [target 3 s]; next median "
          f"{statistics.median(following) * 1000:.0f} ms [target 0.5 s]")
    control.delete_agent_runtime(agentRuntimeId=created["agentRuntimeId"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=10000)
    parser.add_argument("--dimension", type=int, default=1024)
    parser.add_argument("--documents", type=int, default=100)
    arguments = parser.parse_args()
    endpoint = ensure_running(lambda message: print(f"[localstack] {message}"))
    aws = Target(endpoint.url).client
    bench_agent(aws)
    bench_query_vectors(aws, arguments.vectors, arguments.dimension)
    bench_ingestion(aws, arguments.documents)


if __name__ == "__main__":
    main()
