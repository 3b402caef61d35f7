"""The sandbox's in-memory organization: entities, their seed, and time-driven behaviour."""
