package node

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// The node's own metrics are read when scraped, from the parts that
// already know them: the store's applied sequence, the stream's last
// sequence, health. Nothing is counted twice.
var (
	descApplied = prometheus.NewDesc("dossier_projection_applied_sequence",
		"The last stream sequence this node's projection has applied.", nil, nil)
	descLast = prometheus.NewDesc("dossier_log_last_sequence",
		"The stream's last sequence, as NATS reports it.", nil, nil)
	descLag = prometheus.NewDesc("dossier_projection_lag_events",
		"Events in the stream this node's projection has not applied yet.", nil, nil)
	descHealthy = prometheus.NewDesc("dossier_healthy",
		"1 when the node serves current data (NATS connected, projector running), else 0: what /healthz answers.", nil, nil)
	descBytes = prometheus.NewDesc("dossier_graph_bytes",
		"The projection's size on disk, by Badger part (lsm, vlog).", []string{"part"}, nil)
)

// collector reports the node's state at scrape time.
type collector struct{ n *Node }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descApplied, descLast, descLag, descHealthy, descBytes} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	applied := c.n.store.Applied()
	ch <- prometheus.MustNewConstMetric(descApplied, prometheus.GaugeValue, float64(applied))
	healthy := 1.0
	if c.n.health() != nil {
		healthy = 0
	}
	ch <- prometheus.MustNewConstMetric(descHealthy, prometheus.GaugeValue, healthy)
	lsm, vlog := c.n.store.Size()
	ch <- prometheus.MustNewConstMetric(descBytes, prometheus.GaugeValue, float64(lsm), "lsm")
	ch <- prometheus.MustNewConstMetric(descBytes, prometheus.GaugeValue, float64(vlog), "vlog")
	// A scrape must not hang on a lost NATS connection: without an
	// answer in time the log's figures are left out of this scrape.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	last, err := c.n.log.LastSequence(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descLast, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descLast, prometheus.GaugeValue, float64(last))
	ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, float64(max(int64(last)-int64(applied), 0)))
}

// newRegistry holds every metric the node serves at /metrics: its own,
// the projector's and the API's (registered by them), and the Go
// runtime's and the process's.
func newRegistry(n *Node) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collector{n},
	)
	return reg
}

// metricsGuard lets a scraper with token read h, or, with no token set,
// a client on this machine: metrics tell an outsider what the server
// holds and how busy it is.
func metricsGuard(token string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="dossier metrics"`)
				http.Error(w, "metrics need the metrics token: Authorization: Bearer <token>", http.StatusUnauthorized)
				return
			}
		} else if !fromLoopback(r) {
			http.Error(w, "metrics are served to this machine only, unless the server has a metrics token (--metrics-token)", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
