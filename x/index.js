// n8n loads the node and credential from the paths in package.json's "n8n" section; this entry
// point only exists so that `require('n8n-nodes-roboflow')` resolves.
module.exports = {};
