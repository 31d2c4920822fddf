package api

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the API's Prometheus metrics. Without Config.Metrics they
// go to a registry nobody reads, so that the code counting needs no
// checks.
type metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	errors        *prometheus.CounterVec
	subscriptions *prometheus.GaugeVec
	slow          *prometheus.CounterVec
	feed          prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dossier_http_requests_total",
			Help: "HTTP requests, by handler, method and status code (WebSocket upgrades and SSE streams included).",
		}, []string{"handler", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dossier_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by handler; subscriptions (WebSocket, SSE) are left out, as they last as long as the client stays.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms … 16 s
		}, []string{"handler", "method", "code"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dossier_graphql_errors_total",
			Help: "GraphQL errors returned to clients, by extensions.code.",
		}, []string{"code"}),
		subscriptions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dossier_subscriptions",
			Help: "Open subscriptions, by field.",
		}, []string{"field"}),
		slow: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dossier_subscriptions_slow_total",
			Help: "Subscriptions ended with SLOW_CONSUMER because the client fell behind, by field.",
		}, []string{"field"}),
		feed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dossier_live_feed_sequence",
			Help: "The last sequence the live feed has offered to subscriptions.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.errors, m.subscriptions, m.slow, m.feed)
	return m
}

// instrument counts a handler's requests and times those that are not
// subscriptions.
func (m *metrics) instrument(name string, h http.Handler) http.Handler {
	labels := prometheus.Labels{"handler": name}
	counted := promhttp.InstrumentHandlerCounter(m.requests.MustCurryWith(labels), h)
	timed := promhttp.InstrumentHandlerDuration(m.duration.MustCurryWith(labels), counted)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			counted.ServeHTTP(w, r)
			return
		}
		timed.ServeHTTP(w, r)
	})
}
