"""The Bot Framework token service (user-token API, sign-in page) and Entra user tokens for Azure DevOps."""
