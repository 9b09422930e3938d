"""Contract tests: the event registry, schemas, AsyncAPI, compatibility and every consumer against its producer."""
