package loadtest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Targets of the issue "Scale", for 32 concurrent clients on the 2-core reference machine.
const (
	// TargetP99 bounds the 99th percentile latency of every list, detail, Statement of
	// Applicability and heat-map page.
	TargetP99 = 50 * time.Millisecond
	// TargetThroughputRatio is the least throughput of a list or detail page, as a share of
	// the baseline's measured in the same run.
	TargetThroughputRatio = 0.5
)

// maxErrorSamples bounds the distinct error messages kept per endpoint.
const maxErrorSamples = 5

// tally accumulates the results of one endpoint's attack. Latencies are all kept (8 bytes
// each: a few seconds of load is thousands), so percentiles are exact, not estimated.
type tally struct {
	expect     int // the status a correct response has
	latencies  []time.Duration
	codes      map[int]int
	errors     int
	errSamples []string
	first      time.Time // when the first request was sent
	last       time.Time // when the last response ended
}

func newTally(expect int) *tally { return &tally{expect: expect, codes: map[int]int{}} }

// add records one response (or transport failure: code 0). A response is an error when
// the request failed or its status is not the one the endpoint answers when it works: a
// redirect to the sign-in page is an error for a page, even though it is a 3xx.
func (t *tally) add(code int, started time.Time, latency time.Duration, failure string) {
	t.latencies = append(t.latencies, latency)
	t.codes[code]++
	if t.first.IsZero() || started.Before(t.first) {
		t.first = started
	}
	if end := started.Add(latency); end.After(t.last) {
		t.last = end
	}
	if failure == "" && code != t.expect {
		failure = fmt.Sprintf("status %d, want %d", code, t.expect)
	}
	if failure != "" {
		t.errors++
		if len(t.errSamples) < maxErrorSamples && !slices.Contains(t.errSamples, failure) {
			t.errSamples = append(t.errSamples, failure)
		}
	}
}

// addResult records a vegeta result.
func (t *tally) addResult(r *vegeta.Result) {
	failure := r.Error
	if r.Code != 0 {
		// A response came: vegeta's message is only its status line, which add judges
		// against the expected status instead.
		failure = ""
	}
	t.add(int(r.Code), r.Timestamp, r.Latency, failure)
}

// Stats summarise the responses of one endpoint under one load model.
type Stats struct {
	Requests     int            `json:"requests"`
	Errors       int            `json:"errors"`
	StatusCodes  map[string]int `json:"status_codes"`
	ErrorSamples []string       `json:"error_samples,omitempty"`
	P50          Millis         `json:"p50_ms"`
	P95          Millis         `json:"p95_ms"`
	P99          Millis         `json:"p99_ms"`
	Max          Millis         `json:"max_ms"`
	Mean         Millis         `json:"mean_ms"`
	// Throughput is correct responses per second over the attack's wall time, from the first
	// request sent to the last response received.
	Throughput float64 `json:"throughput_rps"`
	Elapsed    Millis  `json:"elapsed_ms"`
}

// Millis is a duration written as milliseconds.
type Millis float64

// Ms converts d.
func Ms(d time.Duration) Millis { return Millis(float64(d) / float64(time.Millisecond)) }

// Duration converts m back.
func (m Millis) Duration() time.Duration {
	return time.Duration(float64(m) * float64(time.Millisecond))
}

// summary computes the statistics of t.
func (t *tally) summary() Stats {
	s := Stats{Requests: len(t.latencies), Errors: t.errors, StatusCodes: map[string]int{}, ErrorSamples: t.errSamples}
	for code, n := range t.codes {
		s.StatusCodes[strconv.Itoa(code)] = n
	}
	if len(t.latencies) == 0 {
		return s
	}
	sorted := slices.Clone(t.latencies)
	slices.Sort(sorted)
	var total time.Duration
	for _, l := range sorted {
		total += l
	}
	s.P50, s.P95, s.P99 = Ms(percentile(sorted, 50)), Ms(percentile(sorted, 95)), Ms(percentile(sorted, 99))
	s.Max, s.Mean = Ms(sorted[len(sorted)-1]), Ms(total/time.Duration(len(sorted)))
	elapsed := t.last.Sub(t.first)
	s.Elapsed = Ms(elapsed)
	if elapsed > 0 {
		s.Throughput = float64(s.Requests-s.Errors) / elapsed.Seconds()
	}
	return s
}

// percentile is the nearest-rank p-th percentile of sorted (ascending, not empty): the
// smallest value that at least p% of the values do not exceed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Ratio compares an endpoint with the baseline of the same run.
type Ratio struct {
	// Throughput is the endpoint's throughput over the baseline's: 0.5 means half as many
	// pages a second. Higher is better.
	Throughput float64 `json:"throughput"`
	// P99 is the endpoint's p99 latency over the baseline's: 3 means three times as slow
	// at the tail. Lower is better.
	P99 float64 `json:"p99"`
}

// ratio compares s with base; a ratio whose denominator is zero is 0 (not measurable).
func ratio(s, base Stats) Ratio {
	var r Ratio
	if base.Throughput > 0 {
		r.Throughput = s.Throughput / base.Throughput
	}
	if base.P99 > 0 {
		r.P99 = float64(s.P99 / base.P99)
	}
	return r
}

// verdict says whether s meets the targets of an endpoint of kind: "ok", "MISS (reasons)",
// or "" for kinds the issue sets no target for. Errors always miss.
func verdict(kind Kind, s Stats, r Ratio) string {
	var misses []string
	if s.Errors > 0 || s.Requests == 0 {
		misses = append(misses, "errors")
	}
	checkP99 := kind == KindList || kind == KindDetail || kind == KindPage
	if checkP99 && s.P99.Duration() > TargetP99 {
		misses = append(misses, "p99")
	}
	if (kind == KindList || kind == KindDetail) && r.Throughput < TargetThroughputRatio {
		misses = append(misses, "throughput")
	}
	switch {
	case len(misses) > 0:
		return "MISS (" + strings.Join(misses, ", ") + ")"
	case checkP99:
		return "ok"
	}
	return ""
}
