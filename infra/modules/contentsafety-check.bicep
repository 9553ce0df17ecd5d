// An existing Content Safety resource (contentSafetyEndpoint) must come with its resource
// id: the app's identity needs Cognitive Services User on it, or every call is refused
// (401/403) and every file ends in an error verdict. A malformed id would fail later with
// an array index error; this says what is wrong instead.
// (checkov's bundled Bicep parser predates fail(); this file holds no resources.)
param endpoint string
param resourceId string

// No indexing: ARM may evaluate both sides of && and an index past the end fails.
var wellFormed = (length(split(resourceId, '/')) == 9) && contains(toLower(resourceId), '/providers/microsoft.cognitiveservices/accounts/')

output resourceId string = (empty(endpoint) || wellFormed) ? resourceId : fail('contentSafetyEndpoint (${endpoint}) needs contentSafetyResourceId, that Content Safety resource\'s id (/subscriptions/.../resourceGroups/.../providers/Microsoft.CognitiveServices/accounts/<name>), so ftgate can give its identity Cognitive Services User there; got \'${resourceId}\'.')
