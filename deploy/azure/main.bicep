// College Bot on Azure, everything it needs in one resource group (README "Deploy to Azure" walks through it):
//   - App Service on Linux running the container image from deploy/Dockerfile (pulled from the registry made here
//     with the bot's managed identity), 2 instances, health check on /readyz;
//   - the Azure Bot (single-tenant app registration) with the Microsoft Teams channel and the OAuth connection for
//     per-user sign-in to Azure DevOps (Entra ID v2);
//   - a Storage account without account keys: the bot's managed identity is Storage Blob Data Contributor on its
//     one container (STORE_URL=azblob://<account>/<container>);
//   - a Key Vault holding every secret; app settings read them through Key Vault references;
//   - Application Insights (workspace-based) for telemetry.
// No secret has a default here and none is an output. tests/unit/test_bicep.py checks these rules statically.
//   az deployment group create -g <rg> -f deploy/azure/main.bicep -p botAppId=<id> botAppPassword=<secret> \
//      oauthAppId=<id> oauthAppSecret=<secret> devopsOrgUrl=https://dev.azure.com/<org>

@description('Azure region of every resource but the Azure Bot (which is global).')
param location string = resourceGroup().location

@description('Base name of the resources (the App Service and the Azure Bot are called this).')
@minLength(3)
@maxLength(40)
param name string = 'college-bot-${uniqueString(resourceGroup().id)}'

@description('Application (client) id of the bot\'s single-tenant Entra app registration (az ad app create).')
param botAppId string

@description('A client secret of the bot\'s app registration. Stored in Key Vault as bot-app-password; the app reads it through a Key Vault reference.')
@secure()
param botAppPassword string

@description('Entra tenant of the bot\'s app registration and of the people who sign in.')
param tenantId string = subscription().tenantId

@description('Application (client) id of the Entra app behind the OAuth connection (redirect URI https://token.botframework.com/.auth/web/redirect, delegated permission Azure DevOps user_impersonation).')
param oauthAppId string

@description('A client secret of the OAuth connection\'s app. Stored in Key Vault as oauth-app-secret and given to the Azure Bot\'s OAuth connection.')
@secure()
param oauthAppSecret string

@description('Fernet key(s), comma-separated, the first sealing: an import\'s credentials wait for its Confirm click sealed with it, so either instance can carry it out. Make one with: python3 -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())". Stored in Key Vault as pending-secrets-key.')
@secure()
param pendingSecretsKey string

@description('Name of the Azure Bot\'s OAuth connection (set on the app as OAUTH_CONNECTION_NAME).')
param oauthConnectionName string = 'AzureDevOps'

@description('Azure DevOps organisation URL, e.g. https://dev.azure.com/contoso.')
param devopsOrgUrl string

@description('Azure DevOps project the bot works for.')
param devopsProject string = 'College'

@description('Azure DevOps team the bot works for.')
param devopsTeam string = 'College Team'

@description('Name of a Key Vault secret holding an Azure DevOps PAT (set it yourself: az keyvault secret set). Empty: the bot\'s managed identity is its Azure DevOps identity (recommended).')
param devopsPatSecretName string = ''

@description('Comma-separated Entra tenant ids whose activities the bot answers.')
param allowedTenantIds string = subscription().tenantId

@description('Comma-separated Entra object ids that are always the bot\'s admins (break-glass). Empty: the team\'s admins only.')
param botAdmins string = ''

@description('Azure ML workspace for `models` (empty: no Azure ML). The bot\'s managed identity needs a role on it (README).')
param azuremlWorkspace string = ''

@description('Subscription of the Azure ML workspace (default: this deployment\'s).')
param azuremlSubscriptionId string = subscription().subscriptionId

@description('Resource group of the Azure ML workspace (default: this one).')
param azuremlResourceGroup string = resourceGroup().name

@description('Tag of the college-bot image in the registry made here (az acr build -t college-bot:<tag>).')
param imageTag string = 'latest'

@description('App Service plan SKU (health-check failover and 2 instances need Basic or above).')
@allowed(['B1', 'B2', 'S1', 'P0v3', 'P1v3'])
param planSku string = 'P0v3'

@description('Number of App Service instances (2 or more: one can fail or restart while the other answers).')
@minValue(2)
@maxValue(10)
param instanceCount int = 2

@description('Blob container of the bot\'s store.')
param storeContainer string = 'college-bot'

var suffix = uniqueString(resourceGroup().id, name)
var storageName = take('cbstore${suffix}', 24)
var vaultName = take('cb-kv-${suffix}', 24)
var registryName = take('cbacr${suffix}', 50)
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}
// the Azure DevOps resource's delegated permission: the signed-in person's own Azure DevOps token
var devopsScope = '499b84ac-1321-427f-aa17-267ca6975798/user_impersonation'

// ---- identity: one user-assigned managed identity for storage, Key Vault references, the registry, Azure DevOps
// and Azure ML (made before the site, so its roles are in place when the site first starts)
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-id'
  location: location
}

// ---- telemetry
resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${name}-ai'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id, DisableLocalAuth: false }
}

// ---- secrets
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource botPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'bot-app-password'
  properties: { value: botAppPassword }
}

resource oauthSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'oauth-app-secret'
  properties: { value: oauthAppSecret }
}

resource pendingSecretsKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'pending-secrets-key'
  properties: { value: pendingSecretsKey }
}

resource insightsSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'appinsights-connection-string'
  properties: { value: insights.properties.ConnectionString }
}

resource vaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---- store: Entra only, no account keys
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: storeContainer
  properties: { publicAccess: 'None' }
}

resource storeWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(container.id, identity.id, roles.storageBlobDataContributor)
  scope: container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---- the container image
resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: registryName
  location: location
  sku: { name: 'Basic' }
  properties: { adminUserEnabled: false }
}

resource imagePuller 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---- the app
resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${name}-plan'
  location: location
  kind: 'linux'
  sku: { name: planSku, capacity: instanceCount }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: name
  location: location
  kind: 'app,linux,container'
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identity.id}': {} } }
  dependsOn: [vaultReader, imagePuller, storeWriter]
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'DOCKER|${registry.properties.loginServer}/college-bot:${imageTag}'
      acrUseManagedIdentityCreds: true
      acrUserManagedIdentityID: identity.properties.clientId
      healthCheckPath: '/readyz'
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

var publicUrl = 'https://${site.properties.defaultHostName}'
var vaultRef = 'VaultName=${vault.name};SecretName='
var baseSettings = {
  WEBSITES_PORT: '3978'
  WEBSITES_ENABLE_APP_SERVICE_STORAGE: 'false'
  MicrosoftAppId: botAppId
  MicrosoftAppPassword: '@Microsoft.KeyVault(SecretUri=${botPasswordSecret.properties.secretUri})'
  MicrosoftAppType: 'SingleTenant'
  MicrosoftAppTenantId: tenantId
  ALLOWED_TENANT_IDS: allowedTenantIds
  BOT_ADMINS: botAdmins
  OAUTH_CONNECTION_NAME: oauthConnectionName
  BOT_PUBLIC_URL: publicUrl
  STORE_URL: 'azblob://${storage.name}/${container.name}'
  AZURE_CLIENT_ID: identity.properties.clientId
  AZURE_DEVOPS_ORG_URL: devopsOrgUrl
  AZURE_DEVOPS_PROJECT: devopsProject
  AZURE_DEVOPS_TEAM: devopsTeam
  APPLICATIONINSIGHTS_CONNECTION_STRING: '@Microsoft.KeyVault(SecretUri=${insightsSecret.properties.secretUri})'
  PENDING_SECRETS_KEY: '@Microsoft.KeyVault(SecretUri=${pendingSecretsKeySecret.properties.secretUri})'
}
var patSettings = empty(devopsPatSecretName) ? {} : {
  AZURE_DEVOPS_PAT: '@Microsoft.KeyVault(${vaultRef}${devopsPatSecretName})'
}
var azuremlSettings = empty(azuremlWorkspace) ? {} : {
  AZURE_SUBSCRIPTION_ID: azuremlSubscriptionId
  AZURE_RESOURCE_GROUP: azuremlResourceGroup
  AZUREML_WORKSPACE: azuremlWorkspace
}

resource appSettings 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: site
  name: 'appsettings'
  properties: union(baseSettings, patSettings, azuremlSettings)
}

// ---- the Azure Bot, its Teams channel and the OAuth connection for per-user sign-in
resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'S1' }
  properties: {
    displayName: 'College Bot'
    endpoint: '${publicUrl}/api/messages'
    msaAppId: botAppId
    msaAppType: 'SingleTenant'
    msaAppTenantId: tenantId
    developerAppInsightsApplicationId: insights.properties.AppId
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: { channelName: 'MsTeamsChannel', properties: { isEnabled: true } }
}

resource oauthConnection 'Microsoft.BotService/botServices/connections@2022-09-15' = {
  parent: bot
  name: oauthConnectionName
  location: 'global'
  properties: {
    serviceProviderDisplayName: 'Azure Active Directory v2'
    serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c'
    clientId: oauthAppId
    clientSecret: oauthAppSecret
    scopes: devopsScope
    parameters: [
      { key: 'tenantID', value: tenantId }
      { key: 'tokenExchangeUrl', value: '' }
    ]
  }
}

// ---- what the README's next steps need (nothing secret)
@description('The bot\'s messaging endpoint (the Azure Bot points here).')
output messagingEndpoint string = bot.properties.endpoint
@description('BOT_PUBLIC_URL, and the host for deploy/teams/package.py --valid-domain.')
output publicUrl string = publicUrl
output hostName string = site.properties.defaultHostName
output siteName string = site.name
@description('Where to push the image: az acr build -r <registryName> -t college-bot:<tag> -f deploy/Dockerfile .')
output registryName string = registry.name
output registryLoginServer string = registry.properties.loginServer
@description('The Key Vault holding the secrets (rotation: README).')
output vaultName string = vault.name
output storeUrl string = 'azblob://${storage.name}/${container.name}'
@description('The bot\'s managed identity: add it to Azure DevOps and give it the Azure ML role (README).')
output identityClientId string = identity.properties.clientId
output identityPrincipalId string = identity.properties.principalId
output identityResourceId string = identity.id
output oauthConnection string = oauthConnection.name
