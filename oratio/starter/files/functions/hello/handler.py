"""The function ``hello``: stores the event's note in the table and its text in the bucket.

oratio sets NOTES_TABLE and UPLOADS_BUCKET (the physical names of what the function is granted).
"""

import json
import os
import uuid

import boto3


def lambda_handler(event: dict, context: object) -> dict:
    note_id = str(event.get("noteId") or uuid.uuid4())
    text = str(event.get("text", "hello"))
    boto3.resource("dynamodb").Table(os.environ["NOTES_TABLE"]).put_item(Item={"noteId": note_id, "text": text})
    boto3.client("s3").put_object(Bucket=os.environ["UPLOADS_BUCKET"], Key=f"notes/{note_id}.txt",
                                  Body=text.encode())
    return {"noteId": note_id, "body": json.dumps({"stored": True})}
