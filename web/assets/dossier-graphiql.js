// Start-up code of Dossier's GraphiQL page (/graphiql).
//
// Globals come from the vendored UMD bundles loaded before this file:
// React, ReactDOM, graphqlWs (graphql-ws) and GraphiQL.
(function () {
  'use strict';

  // Queries and mutations go over HTTP POST to /graphql; subscriptions go
  // over a WebSocket on the same path (protocol graphql-transport-ws).
  var httpUrl = '/graphql';
  var wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') +
    location.host + '/graphql';

  // @graphiql/toolkit's createGraphiQLFetcher uses options.wsClient first
  // and only falls back to building a client from subscriptionUrl, so the
  // client is handed in explicitly, made from the vendored graphql-ws.
  // lazy: the socket opens on the first subscription, not on page load.
  var wsClient = graphqlWs.createClient({
    url: wsUrl,
    lazy: true,
    retryAttempts: 3,
  });

  var fetcher = GraphiQL.createFetcher({
    url: httpUrl,
    subscriptionUrl: wsUrl,
    wsClient: wsClient,
  });

  var defaultQuery = [
    '# Dossier GraphiQL',
    '#',
    '# Dossier is a knowledge graph: actors (people,',
    '# companies, governments, places...), the',
    '# relationships between them, the assertions',
    '# behind each relationship and the documents',
    '# those were read from.',
    '#',
    '# Run: Ctrl-Enter (Cmd-Enter) or the play button.',
    '# Autocomplete: Ctrl-Space. Schema: the Docs',
    '# (book) icon on the left.',
    '#',
    '# Queries and mutations: HTTP POST ' + httpUrl + '.',
    '# Subscriptions: a WebSocket on the same path,',
    '#   ' + wsUrl,
    '# results stream into the right pane until stopped.',
    '#',
    '# Queries to try (one per tab, or name each',
    '# operation and pick one with the play button):',
    '#',
    '#   Counts of everything in the graph (below):',
    '#   { stats { actors relationships',
    '#             assertions documents } }',
    '#',
    '#   The root types the server offers:',
    '#   { __schema { queryType { name }',
    '#       mutationType { name }',
    '#       subscriptionType { name } } }',
    '#',
    '#   Every top-level query field, documented:',
    '#   { __type(name: "Query") {',
    '#       fields { name description } } }',
    '',
    '{',
    '  stats {',
    '    actors',
    '    relationships',
    '    assertions',
    '    documents',
    '  }',
    '}',
    '',
  ].join('\n');

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      shouldPersistHeaders: false,
    })
  );
})();
