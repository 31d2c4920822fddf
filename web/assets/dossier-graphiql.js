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

  // A short query that answers on any graph and shows what Dossier is
  // for: relationships, each with the sentence it was read from.
  var defaultQuery = [
    '# Ctrl-Enter runs, Ctrl-Space completes, the book icon is the schema;',
    '# subscriptions stream over the same URL. The explorer is at /.',
    '{',
    '  stats { actors relationships assertions documents }',
    '  relationships(first: 10) {',
    '    edges { node {',
    '      subject { name } predicate object { name } support',
    '      assertions { polarity evidence { sentence document { title source } } }',
    '    } }',
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
