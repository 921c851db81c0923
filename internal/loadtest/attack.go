package loadtest

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// openMaxWorkers bounds the open model's workers: vegeta adds one whenever all are busy,
// to keep the arrival rate whatever the response times, and this is where that stops.
const openMaxWorkers = 1024

// attack drives ep under the model of run with vegeta and returns its statistics.
//
// Open model: requests arrive at run.Rate a second for the duration, however long the
// answers take (vegeta adds workers as needed). Closed model: run.Concurrency workers,
// each sending its next request as soon as its last is answered (vegeta's Attacker with
// Workers = MaxWorkers = C and rate 0, "as fast as possible"), for the duration or for
// run.Requests requests.
func (h *harness) attack(ctx context.Context, run ModelRun, ep Endpoint) Stats {
	opts := []func(*vegeta.Attacker){
		// The shared client first: the options after it change the attacker's copy of it.
		vegeta.Client(h.client),
		vegeta.Timeout(h.cfg.Timeout),
		// A saved form answers 303: that is the answer measured, not the page after it.
		vegeta.Redirects(vegeta.NoFollow),
		// Bodies are read to the end (the time to receive them counts) but not kept.
		vegeta.MaxBody(0),
	}
	duration := h.cfg.Duration
	var pacer vegeta.Pacer
	if run.Model == ModelOpen {
		opts = append(opts, vegeta.Workers(uint64(min(run.Rate, 64))), vegeta.MaxWorkers(openMaxWorkers))
		pacer = vegeta.Rate{Freq: run.Rate, Per: time.Second}
	} else {
		c := uint64(run.Concurrency)
		opts = append(opts, vegeta.Workers(c), vegeta.MaxWorkers(c))
		pacer = vegeta.Rate{} // zero: no pacing, each worker loops request → response
		if run.Requests > 0 {
			pacer, duration = stopAfter(run.Requests), MaxAttack
		}
	}
	a := vegeta.NewAttacker(opts...)
	defer context.AfterFunc(ctx, func() { a.Stop() })()

	t := newTally(ep.Expect)
	for r := range a.Attack(h.targeter(ep), pacer, duration, ep.Name) {
		t.addResult(r)
	}
	return t.summary()
}

// stopAfter is an unpaced pacer (each worker loops request → response) that ends the
// attack after its number of requests.
type stopAfter uint64

// Pace never waits, and stops once n requests have been sent.
func (n stopAfter) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	return 0, hits >= uint64(n)
}

// Rate is unbounded: 0, as vegeta's own unpaced rate reports it.
func (n stopAfter) Rate(time.Duration) float64 { return 0 }

// targeter gives ep's requests, rotating through its paths. vegeta calls it from every
// worker at once.
func (h *harness) targeter(ep Endpoint) vegeta.Targeter {
	header := http.Header{}
	if c := h.cookies[ep.Persona]; c != "" {
		header.Set("Cookie", c)
	}
	if ep.Body != nil {
		header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	var next atomic.Uint64
	return func(t *vegeta.Target) error {
		i := next.Add(1) - 1
		// vegeta copies the header into each request, so sharing it is safe.
		t.Method, t.URL, t.Body, t.Header = ep.Method, h.cfg.Base+ep.Paths[i%uint64(len(ep.Paths))], ep.Body, header
		return nil
	}
}
