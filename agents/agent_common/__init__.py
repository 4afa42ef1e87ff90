"""What the platform's agents share: AgentCore's HTTP contract (``server``) and every Bedrock call (``models``).

Copied into each agent's .zip beside its entry point, so agents ``import agent_common``.
"""
