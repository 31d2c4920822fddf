package projections

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the projector's Prometheus metrics. One set serves every
// projector a process runs in turn (the node restarts its projector
// after an error), so they are made once, by the owner of the registry.
type Metrics struct {
	events  *prometheus.CounterVec
	skipped prometheus.Counter
	batch   prometheus.Histogram
	seconds prometheus.Histogram
}

// NewMetrics makes the projector's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dossier_projector_events_total",
			Help: "Events folded into the graph, by event type.",
		}, []string{"type"}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dossier_projector_skipped_total",
			Help: "Events that could never be folded (malformed or invalid), recorded as skipped in the audit trail.",
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dossier_projector_batch_events",
			Help:    "Events per batch folded and committed together.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 6), // 1 … 1024
		}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dossier_projector_batch_seconds",
			Help:    "Time to fold and commit a batch: how long events wait before queries and subscribers see them.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms … 4 s
		}),
	}
	reg.MustRegister(m.events, m.skipped, m.batch, m.seconds)
	return m
}
