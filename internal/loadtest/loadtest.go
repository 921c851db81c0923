// Package loadtest is the load harness behind `aims bench`. It signs in to a running
// server as a tenant's personas, finds its way around the tenant over HTTP only (it never
// reads the database), and drives the pages users really hit with vegeta: an open model (a
// fixed arrival rate, whatever the response times) and a closed model (C clients, each
// sending its next request when the last one is answered). Each model first measures the
// server's baseline, GET /bench/baseline, so every page is reported as a ratio to the least
// work a page could do on the same machine in the same run. The CSV export of the risk
// register is measured on its own, sequentially, and the server's memory is sampled from
// /proc when its process id is given.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// Models of load.
const (
	ModelOpen   = "open"
	ModelClosed = "closed"
)

// Config is what a run is told.
type Config struct {
	// Base is the server's address, e.g. http://127.0.0.1:8080.
	Base string
	// Tenant is the slug of the tenant driven; its personas are officer@<slug>.test (writes)
	// and auditor@<slug>.test (reads).
	Tenant string
	// Password is the personas' password.
	Password string
	// Models are the load models to run, in order: ModelOpen, ModelClosed or both.
	Models []string
	// Rate is the open model's arrival rate, requests per second.
	Rate int
	// Duration is how long each endpoint is driven under each model.
	Duration time.Duration
	// Concurrency is the closed model's number of clients.
	Concurrency int
	// Requests, when positive, ends each endpoint of the closed model after that many
	// requests instead of after Duration (bounded by MaxAttack all the same).
	Requests int
	// Only, when set, keeps the endpoints whose name it matches; the baseline always runs.
	Only *regexp.Regexp
	// ExportRuns is how many times the full CSV export of the risk register is downloaded.
	ExportRuns int
	// ServerPID, when positive, is the server process whose memory is sampled.
	ServerPID int
	// Timeout bounds each request of the load (the export has its own, ExportTimeout).
	Timeout time.Duration
	// Wait, when positive, is how long to wait for the server to answer GET /readyz before
	// starting (a server started just before the run).
	Wait time.Duration
	// Progress receives a line per endpoint measured (nil: nowhere).
	Progress io.Writer
}

// Defaults of the command line: a full default run against bench-large takes a few minutes.
const (
	DefaultRate        = 50
	DefaultDuration    = 2 * time.Second
	DefaultConcurrency = 32
	DefaultExportRuns  = 3
	DefaultTimeout     = 30 * time.Second
	// MaxAttack bounds one endpoint's attack whatever the flags say, so a run always ends.
	MaxAttack = time.Minute
	// ExportTimeout bounds one download of the CSV export.
	ExportTimeout = 5 * time.Minute
)

func (c *Config) validate() error {
	var errs []error
	if !strings.HasPrefix(c.Base, "http://") && !strings.HasPrefix(c.Base, "https://") {
		errs = append(errs, fmt.Errorf("--base %q: want an http:// or https:// address", c.Base))
	}
	c.Base = strings.TrimRight(c.Base, "/")
	if c.Tenant == "" {
		errs = append(errs, errors.New("--tenant: required"))
	}
	if len(c.Models) == 0 {
		errs = append(errs, errors.New("--model: want open, closed or both"))
	}
	for _, m := range c.Models {
		if m != ModelOpen && m != ModelClosed {
			errs = append(errs, fmt.Errorf("--model %q: want open, closed or both", m))
		}
	}
	if c.Rate < 1 {
		errs = append(errs, fmt.Errorf("--rate %d: want at least 1 request a second", c.Rate))
	}
	if c.Duration <= 0 || c.Duration > MaxAttack {
		errs = append(errs, fmt.Errorf("--duration %s: want more than 0 and at most %s", c.Duration, MaxAttack))
	}
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		errs = append(errs, fmt.Errorf("--concurrency %d: want 1 to 1024", c.Concurrency))
	}
	if c.Requests < 0 {
		errs = append(errs, fmt.Errorf("--requests %d: want 0 (use --duration) or more", c.Requests))
	}
	if c.ExportRuns < 0 || c.ExportRuns > 20 {
		errs = append(errs, fmt.Errorf("--export-runs %d: want 0 to 20", c.ExportRuns))
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return errors.Join(errs...)
}

// Report is everything a run measured; the JSON file is this.
type Report struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Base     string    `json:"base"`
	Tenant   string    `json:"tenant"`
	Settings Settings  `json:"settings"`
	// Client is the machine the harness ran on (the server's too when it is local).
	Client Machine `json:"client"`
	// Runs has one entry per load model.
	Runs   []ModelRun    `json:"runs"`
	Export *ExportResult `json:"export,omitempty"`
	Server *ServerMemory `json:"server,omitempty"`
	// Skipped are the endpoints the harness could not build, each with the reason.
	Skipped []string `json:"skipped,omitempty"`
}

// Settings are the run's parameters.
type Settings struct {
	Models      []string `json:"models"`
	Rate        int      `json:"rate_rps"`
	Duration    string   `json:"duration_per_endpoint"`
	Concurrency int      `json:"concurrency"`
	Requests    int      `json:"requests_per_endpoint,omitempty"`
	Only        string   `json:"only,omitempty"`
	ExportRuns  int      `json:"export_runs"`
}

// Machine describes where the harness ran.
type Machine struct {
	CPUs     int    `json:"cpus"`
	MemTotal int64  `json:"mem_total_bytes,omitempty"`
	OS       string `json:"os"`
	Go       string `json:"go"`
}

// ModelRun is one load model's measurements.
type ModelRun struct {
	Model       string   `json:"model"`
	Rate        int      `json:"rate_rps,omitempty"`
	Concurrency int      `json:"concurrency,omitempty"`
	Duration    string   `json:"duration_per_endpoint"`
	Requests    int      `json:"requests_per_endpoint,omitempty"`
	Baseline    Result   `json:"baseline"`
	Endpoints   []Result `json:"endpoints"`
}

// Result is one endpoint measured under one model.
type Result struct {
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
	Method string `json:"method"`
	// Path is the endpoint's (first) path; Paths counts the paths it rotates through.
	Path  string `json:"path"`
	Paths int    `json:"paths"`
	Stats
	// VsBaseline compares the endpoint with the baseline of the same model and run.
	VsBaseline Ratio `json:"vs_baseline"`
	// Target is "ok" or "MISS (…)" against the targets, "" where none applies.
	Target string `json:"target,omitempty"`
	// ServerRSS is the largest resident memory of the server sampled while this endpoint
	// was driven (with --server-pid).
	ServerRSS int64 `json:"server_rss_max_bytes,omitempty"`
}

// FailedEndpoints counts the endpoints (per model) and export downloads that had errors.
func (r *Report) FailedEndpoints() int {
	n := 0
	for _, run := range r.Runs {
		for _, res := range append([]Result{run.Baseline}, run.Endpoints...) {
			if res.Errors > 0 {
				n++
			}
		}
	}
	if r.Export != nil {
		for _, e := range r.Export.Runs {
			if e.Error != "" {
				n++
			}
		}
	}
	return n
}

// label names a model's settings, as the table shows it.
func (r ModelRun) label() string {
	if r.Model == ModelOpen {
		return fmt.Sprintf("open %d/s", r.Rate)
	}
	return fmt.Sprintf("closed c=%d", r.Concurrency)
}

// Run measures the server at cfg.Base and returns the report. It stops by itself: every
// attack is bounded in time. Cancelling ctx stops it early with what was measured so far
// and ctx's error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	h := newHarness(cfg)
	rep := &Report{Started: time.Now().UTC(), Base: cfg.Base, Tenant: cfg.Tenant, Client: thisMachine(),
		Settings: Settings{Models: cfg.Models, Rate: cfg.Rate, Duration: cfg.Duration.String(), Concurrency: cfg.Concurrency,
			Requests: cfg.Requests, ExportRuns: cfg.ExportRuns}}
	if cfg.Only != nil {
		rep.Settings.Only = cfg.Only.String()
	}

	var mem *memSampler
	if cfg.ServerPID > 0 {
		var err error
		if mem, err = startMemSampler(cfg.ServerPID, 100*time.Millisecond); err != nil {
			return nil, err
		}
		defer mem.stop()
	}

	if err := h.waitReady(ctx, cfg.Wait); err != nil {
		return nil, err
	}
	if err := h.checkBaseline(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Progress, "signing in to %s as the personas of %s and finding the pages…\n", cfg.Base, cfg.Tenant)
	pl, err := h.discover(ctx)
	if err != nil {
		return nil, err
	}
	rep.Skipped = pl.skipped
	if err := h.smoke(ctx, pl); err != nil {
		return nil, err
	}

	for _, model := range cfg.Models {
		run := ModelRun{Model: model, Duration: cfg.Duration.String()}
		if model == ModelOpen {
			run.Rate = cfg.Rate
		} else {
			run.Concurrency, run.Requests = cfg.Concurrency, cfg.Requests
		}
		run.Baseline = h.measure(ctx, run, pl.baseline, Stats{}, mem)
		for _, ep := range pl.endpoints {
			if ctx.Err() != nil {
				break
			}
			run.Endpoints = append(run.Endpoints, h.measure(ctx, run, ep, run.Baseline.Stats, mem))
		}
		rep.Runs = append(rep.Runs, run)
	}

	if pl.export != nil && cfg.ExportRuns > 0 && ctx.Err() == nil {
		rep.Export = h.measureExport(ctx, *pl.export, cfg.ExportRuns, mem)
	}
	if mem != nil {
		rep.Server = mem.report()
	}
	rep.Finished = time.Now().UTC()
	return rep, ctx.Err()
}

// measure attacks ep under the model of run and compares it with base (zero: ep is the
// baseline itself). With mem, it also notes the server's largest RSS meanwhile.
func (h *harness) measure(ctx context.Context, run ModelRun, ep Endpoint, base Stats, mem *memSampler) Result {
	if mem != nil {
		mem.markWindow()
	}
	s := h.attack(ctx, run, ep)
	if base.Requests == 0 {
		base = s
	}
	res := Result{Name: ep.Name, Kind: ep.Kind, Method: ep.Method, Path: ep.Paths[0], Paths: len(ep.Paths), Stats: s,
		VsBaseline: ratio(s, base)}
	// The targets are set for the closed model (docs/performance.md): under the open one
	// every page's throughput is the rate asked for.
	if run.Model == ModelClosed {
		res.Target = verdict(ep.Kind, s, res.VsBaseline)
	}
	if mem != nil {
		res.ServerRSS = mem.windowPeak()
	}
	fmt.Fprintf(h.cfg.Progress, "%-12s %-44s %6d req %4d err  p99 %8.1fms  %8.1f req/s\n",
		run.label(), ep.Name, s.Requests, s.Errors, float64(s.P99), s.Throughput)
	return res
}

func thisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemTotal = statusKB(string(b), "MemTotal:")
	}
	return m
}

// newHTTPClient is the client of discovery, load and export: redirects are answers, not
// followed, and connections are kept alive and shared by every attack.
func newHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			MaxIdleConns: 2048, MaxIdleConnsPerHost: 2048, IdleConnTimeout: 90 * time.Second,
			// The server does not compress; asking would only add work on the client.
			DisableCompression: true,
		},
	}
}

// waitReady polls GET /readyz until it answers 200, for at most wait (0: no waiting).
func (h *harness) waitReady(ctx context.Context, wait time.Duration) error {
	if wait <= 0 {
		return nil
	}
	deadline := time.Now().Add(wait)
	for {
		resp, _, err := h.do(ctx, personaNone, http.MethodGet, "/readyz", nil)
		if err == nil && resp.StatusCode == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			return fmt.Errorf("the server at %s is not ready after %s: %w", h.cfg.Base, wait, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
