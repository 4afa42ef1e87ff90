"""The starter project ``oratio init`` writes (``files/``), and the CDK's recommended feature flags it puts in
cdk.json (``recommended-feature-flags.json``: aws-cdk-lib 2.275's list, the one ``cdk init`` writes; a test
compares it with the installed aws-cdk-lib's own)."""
