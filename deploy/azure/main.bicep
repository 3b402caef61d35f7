// College Bot on Azure: an App Service (Linux, Python 3.11) running app.py, and the Azure Bot resource
// with the Microsoft Teams channel. Secrets go to app settings; nothing is hard-coded.
//   az deployment group create -g <rg> -f deploy/azure/main.bicep -p botAppId=<app id> botAppPassword=<secret> \
//      devopsOrgUrl=https://dev.azure.com/<org> allowedTenantIds=<tenant>
param location string = resourceGroup().location
param name string = 'college-bot-${uniqueString(resourceGroup().id)}'
param botAppId string
@secure()
param botAppPassword string
@allowed(['MultiTenant', 'SingleTenant'])
param botAppType string = 'SingleTenant'
param botTenantId string = subscription().tenantId
param allowedTenantIds string = subscription().tenantId
param devopsOrgUrl string
param devopsProject string = 'College'
param devopsTeam string = 'College Team'
@secure()
param devopsPat string = ''

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${name}-plan'
  location: location
  sku: { name: 'B1' }
  kind: 'linux'
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: name
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'PYTHON|3.11'
      appCommandLine: 'python -m aiohttp.web -H 0.0.0.0 -P 8000 app:init_func'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'MicrosoftAppId', value: botAppId }
        { name: 'MicrosoftAppPassword', value: botAppPassword }
        { name: 'MicrosoftAppType', value: botAppType }
        { name: 'MicrosoftAppTenantId', value: botTenantId }
        { name: 'ALLOWED_TENANT_IDS', value: allowedTenantIds }
        { name: 'STORE_URL', value: 'sqlite:////home/data/college-bot.db' }
        { name: 'AZURE_DEVOPS_ORG_URL', value: devopsOrgUrl }
        { name: 'AZURE_DEVOPS_PROJECT', value: devopsProject }
        { name: 'AZURE_DEVOPS_TEAM', value: devopsTeam }
        { name: 'AZURE_DEVOPS_PAT', value: devopsPat }
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' }
      ]
    }
  }
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'S1' }
  properties: {
    displayName: 'College Bot'
    endpoint: 'https://${site.properties.defaultHostName}/api/messages'
    msaAppId: botAppId
    msaAppType: botAppType
    msaAppTenantId: botTenantId
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: { channelName: 'MsTeamsChannel', properties: { isEnabled: true } }
}

output endpoint string = bot.properties.endpoint
output principalId string = site.identity.principalId
