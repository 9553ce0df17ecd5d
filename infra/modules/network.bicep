// Optional private networking: VNet integration for the app and private endpoints
// (with private DNS) for storage, Content Safety and the Key Vault.
param name string
param location string
param tags object
param storageId string
param contentSafetyId string = ''
param keyVaultId string

var storageEndpoints = [
  { name: 'blob', target: storageId, zone: 'privatelink.blob.${environment().suffixes.storage}' }
  { name: 'queue', target: storageId, zone: 'privatelink.queue.${environment().suffixes.storage}' }
  { name: 'table', target: storageId, zone: 'privatelink.table.${environment().suffixes.storage}' }
]
var contentSafetyEndpoints = empty(contentSafetyId) ? [] : [
  { name: 'account', target: contentSafetyId, zone: 'privatelink.cognitiveservices.azure.com' }
]
// The app resolves its Key Vault reference through the VNet when the vault is private.
var keyVaultEndpoints = [
  { name: 'vault', target: keyVaultId, zone: 'privatelink.vaultcore.azure.net' }
]
var endpoints = concat(storageEndpoints, contentSafetyEndpoints, keyVaultEndpoints)

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: ['10.20.0.0/16'] }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: '10.20.1.0/24'
          delegations: [
            { name: 'flex', properties: { serviceName: 'Microsoft.App/environments' } }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: '10.20.2.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for endpoint in endpoints: {
  name: endpoint.zone
  location: 'global'
  tags: tags
}]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [for (endpoint, i) in endpoints: {
  parent: zones[i]
  name: '${name}-link'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2024-01-01' = [for (endpoint, i) in endpoints: {
  name: 'pe-${name}-${endpoint.name}'
  location: location
  tags: tags
  properties: {
    subnet: { id: '${vnet.id}/subnets/private-endpoints' }
    privateLinkServiceConnections: [
      {
        name: endpoint.name
        properties: {
          privateLinkServiceId: endpoint.target
          groupIds: [endpoint.name]
        }
      }
    ]
  }
}]

resource dnsGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-01-01' = [for (endpoint, i) in endpoints: {
  parent: privateEndpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      { name: endpoint.name, properties: { privateDnsZoneId: zones[i].id } }
    ]
  }
}]

output appSubnetId string = '${vnet.id}/subnets/app'
