"""A local Azure DevOps that the real azure-devops SDK cannot tell from dev.azure.com.

Run it with ``python -m sandbox``; embed it with :class:`sandbox.server.Sandbox`.
The sandbox never imports the bot; the bot reaches it only over HTTP.
"""
