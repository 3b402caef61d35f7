"""Azure ML: the workspace's registered models through azure-ai-ml (MLClient), their files through
azure-storage-blob; registered as a backend in backend.py.

Importing this package does not import azure.ai.ml (that happens on the first call): start-up stays fast.
"""
