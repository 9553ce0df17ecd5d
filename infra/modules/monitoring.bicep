// Log Analytics and Application Insights (Entra ID only), and the alerts ops acts on.
param logAnalyticsName string
param appInsightsName string
param location string
param tags object
@description('Where alert notifications go; empty for no action group.')
param alertEmail string = ''
@description('An existing action group for the alerts; empty for none (or the email one).')
param actionGroupId string = ''

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    retentionInDays: 30
    sku: { name: 'PerGB2018' }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true // telemetry is sent with the app's Entra ID identity
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${appInsightsName}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'ftgate'
    enabled: true
    emailReceivers: [
      { name: 'ops', emailAddress: alertEmail, useCommonAlertSchema: true }
    ]
  }
}

var externalActions = empty(actionGroupId) ? [] : [actionGroupId]
var emailActions = empty(alertEmail) ? [] : [actionGroup.id]
var alertActions = concat(externalActions, emailActions)

// Verdict errors: the analyzer or the model could not be reached after retries.
resource verdictErrors 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-verdict-errors-${appInsightsName}'
  location: location
  tags: tags
  properties: {
    displayName: 'ftgate: error verdicts'
    severity: 2
    enabled: true
    scopes: [appInsights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'traces | where message has "verdict error"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    actions: { actionGroups: alertActions }
  }
}

// Poison messages: a blob or an evaluation request failed on every retry.
resource poisonMessages 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-poison-${appInsightsName}'
  location: location
  tags: tags
  properties: {
    displayName: 'ftgate: poison messages'
    severity: 2
    enabled: true
    scopes: [appInsights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'requests | where name in ("record_poisoned_training_file", "record_poisoned_evaluation", "record_poisoned_rescreen")'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    actions: { actionGroups: alertActions }
  }
}

// Enforcement: a fine-tuning job held to failing data, or a deployment of an
// undeployable model (deleted in cancel mode, only reported in report mode).
resource enforcement 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-enforcement-${appInsightsName}'
  location: location
  tags: tags
  properties: {
    displayName: 'ftgate: enforcement'
    severity: 2
    enabled: true
    scopes: [appInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "ftgate.enforcement.alerts" | summarize decisions = sum(valueSum)'
          metricMeasureColumn: 'decisions'
          timeAggregation: 'Total'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    actions: { actionGroups: alertActions }
  }
}

// The gate said no: a training file failed screening or a model is not deployable. One
// alert per verdict and subject (the file's SHA-256 or the fine-tuned model id), split by
// dimension so both are in the notification; the spans carry no training text.
resource gateSaidNo 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-gate-said-no-${appInsightsName}'
  location: location
  tags: tags
  properties: {
    displayName: 'ftgate: failed or not deployable'
    severity: 3
    enabled: true
    scopes: [appInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'union dependencies, requests | where name in ("ftgate.evaluate.data", "ftgate.evaluate.model") | extend verdict = tostring(customDimensions["ftgate.verdict"]) | where verdict in ("failed", "not_deployable") | extend subject = coalesce(tostring(customDimensions["ftgate.sha256"]), tostring(customDimensions["ftgate.model"])) | summarize verdicts = count() by verdict, subject'
          metricMeasureColumn: 'verdicts'
          timeAggregation: 'Total'
          dimensions: [
            { name: 'verdict', operator: 'Include', values: ['*'] }
            { name: 'subject', operator: 'Include', values: ['*'] }
          ]
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    // Each verdict is news once; it should not wait to be resolved by a quiet window.
    autoMitigate: false
    actions: { actionGroups: alertActions }
  }
}

// Sustained throttling: Content Safety answered 429 through three 5-minute periods.
resource throttling 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-throttling-${appInsightsName}'
  location: location
  tags: tags
  properties: {
    displayName: 'ftgate: sustained throttling'
    severity: 3
    enabled: true
    scopes: [appInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "ftgate.analyzer.requests" and tostring(customDimensions.outcome) == "throttled" | summarize throttled = sum(valueSum)'
          metricMeasureColumn: 'throttled'
          timeAggregation: 'Total'
          operator: 'GreaterThan'
          threshold: 50
          failingPeriods: {
            numberOfEvaluationPeriods: 3
            minFailingPeriodsToAlert: 3
          }
        }
      ]
    }
    actions: { actionGroups: alertActions }
  }
}

// The operations workbook: verdicts, throughput, 429s, durations, cost, errors.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(appInsights.id, 'ftgate-operations')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'ftgate operations'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: loadTextContent('workbook.json')
  }
}

output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
output connectionString string = appInsights.properties.ConnectionString
