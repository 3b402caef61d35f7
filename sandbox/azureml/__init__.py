"""The sandbox's Azure ML: Azure Resource Manager for one workspace, Entra ID, and blob storage (Azurite), all on
loopback HTTPS origins that the real azure-ai-ml, azure-identity and azure-storage-blob use unchanged."""
