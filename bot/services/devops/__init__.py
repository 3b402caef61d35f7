"""Azure DevOps: the client (SDK in threads, own retry policy, errors as cards), its readers and writers, and the
admin role source; registered as a backend in backend.py.

Importing this package does not import azure.devops (that happens on the first call)."""
