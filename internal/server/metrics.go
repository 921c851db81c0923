package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/openaims/openaims/internal/postgres"
)

// metrics are the Prometheus series the server exports at /metrics.
type metrics struct {
	latency  *prometheus.HistogramVec
	gatherer prometheus.Gatherer
}

func newMetrics(reg prometheus.Registerer, db *postgres.DB) *metrics {
	m := &metrics{latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "aims_http_request_duration_seconds",
		Help:    "HTTP request latency by route pattern, method and status.",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "status"})}
	reg.MustRegister(m.latency, poolCollector{db})
	if g, ok := reg.(prometheus.Gatherer); ok {
		m.gatherer = g
	} else {
		m.gatherer = prometheus.DefaultGatherer
	}
	return m
}

// observe records one request under its route pattern (never the raw path, which would
// explode the label set with record ids).
func (m *metrics) observe(r *http.Request, status int, took time.Duration) {
	route := "unmatched"
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		route = rc.RoutePattern()
	}
	m.latency.WithLabelValues(route, r.Method, strconv.Itoa(status)).Observe(took.Seconds())
}

// poolCollector exports the pgx pool's statistics.
type poolCollector struct{ db *postgres.DB }

var (
	poolTotal    = prometheus.NewDesc("aims_db_pool_connections", "Open database connections by state.", []string{"state"}, nil)
	poolMax      = prometheus.NewDesc("aims_db_pool_max_connections", "Maximum size of the database pool.", nil, nil)
	poolAcquires = prometheus.NewDesc("aims_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil)
	poolWait     = prometheus.NewDesc("aims_db_pool_acquire_wait_seconds_total", "Time spent waiting for a connection.", nil, nil)
)

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolTotal
	ch <- poolMax
	ch <- poolAcquires
	ch <- poolWait
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.db.Pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(st.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(st.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(st.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, st.AcquireDuration().Seconds())
}
