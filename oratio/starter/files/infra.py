"""{name}: the system, as one value of oratio's model. ``system(stage)`` is what every oratio command builds
(cdk.json names it: "oratio:system": "infra:system").

    oratio show            validate; list every resource with its physical name
    oratio up              deploy on the embedded LocalStack (stage local)
    oratio synth           CloudFormation in cdk.out/ (then: npx cdk deploy --all, for AWS)
"""

from oratio.model import Bucket, Exemption, Function, Key, System, Table

# Local runs execute handlers under this machine's own Pythons; 3.13 is the newest most machines have.
RUNTIME = "python3.13"
LATEST_RUNTIME = Exemption("latest-runtime", "python3.13 is the newest Python the embedded LocalStack can run here")
ACCESS_LOGS = Exemption("access-logs", "a starter bucket: server access logs would need a second, log-only bucket")


def system(stage: str) -> System:
    notes = Table("notes", Key("noteId"), point_in_time_recovery=True)
    uploads = Bucket("uploads", versioned=True, exemptions=[ACCESS_LOGS])
    hello = Function("hello", code="functions/hello", runtime=RUNTIME, exemptions=[LATEST_RUNTIME],
                     grants=[notes.read_write(), uploads.write()],
                     description="writes a note and its text to the uploads bucket")
    return System("{name}", stage, tables=[notes], buckets=[uploads], functions=[hello])
