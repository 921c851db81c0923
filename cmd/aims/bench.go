package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"github.com/openaims/openaims/internal/loadtest"
)

const benchSummary = `Load-test a running server: sign in as the tenant's personas (auditor@ for pages,
officer@ for writes), find its pages over HTTP, and drive each register list (first page, a
page 20 Next links deep, every filter and sort of the risk list, a common and a rare search
term), record pages, the Statement of Applicability, the heat map, the activity trail of a
record, a risk create and update, under an open model (--rate requests a second) and a closed
one (--concurrency clients, each waiting for its answer). Each model first measures the
server's baseline, GET /bench/baseline (start the server with AIMS_BENCH_BASELINE=<tenant>),
and every endpoint is reported as a ratio to it. The CSV export of the risk register is then
downloaded --export-runs times, one after another. With --server-pid the server's memory is
sampled from /proc. Prints a table, writes the same as JSON to --out; exits 1 if any request
failed. Every attack is bounded: a default run takes a few minutes. See docs/performance.md.`

func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := loadtest.Config{Progress: stderr}
	var model, only, out string
	password := os.Getenv("AIMS_DEMO_PASSWORD")
	if password == "" {
		password = "demo-password"
	}
	_, err := flags("bench [--base URL] [--tenant S] [--model open|closed|both] [--out FILE] …", benchSummary, args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&cfg.Base, "base", "http://127.0.0.1:8080", "address of the running server")
		fs.StringVar(&cfg.Tenant, "tenant", "bench-large", "tenant to drive, as its personas officer@<tenant>.test and auditor@<tenant>.test")
		fs.StringVar(&cfg.Password, "password", password, "the personas' password (the default is AIMS_DEMO_PASSWORD when set)")
		fs.StringVar(&model, "model", "both", "load model: open (fixed arrival rate), closed (fixed number of clients) or both")
		fs.IntVar(&cfg.Rate, "rate", loadtest.DefaultRate, "open model: requests per second")
		fs.DurationVar(&cfg.Duration, "duration", loadtest.DefaultDuration, "how long each endpoint is driven under each model")
		fs.IntVar(&cfg.Concurrency, "concurrency", loadtest.DefaultConcurrency, "closed model: concurrent clients")
		fs.IntVar(&cfg.Requests, "requests", 0, "closed model: end each endpoint after this many requests instead of --duration (0: use --duration)")
		fs.StringVar(&only, "only", "", "drive only the endpoints whose name matches this regular expression (the baseline always runs), e.g. 'risks (list|page)'")
		fs.IntVar(&cfg.ExportRuns, "export-runs", loadtest.DefaultExportRuns, "downloads of the full risk CSV export, one after another (0: none)")
		fs.IntVar(&cfg.ServerPID, "server-pid", 0, "process id of the server, to sample its memory (VmRSS, VmHWM) from /proc")
		fs.DurationVar(&cfg.Timeout, "timeout", loadtest.DefaultTimeout, "timeout of each request under load")
		fs.StringVar(&out, "out", "bench-results.json", "file the results are written to as JSON")
		fs.DurationVar(&cfg.Wait, "wait", 0, "wait up to this long for the server to answer GET /readyz (a server just started)")
	})
	if err != nil {
		return ignoreHelp(err)
	}
	switch model {
	case "both":
		cfg.Models = []string{loadtest.ModelOpen, loadtest.ModelClosed}
	default:
		cfg.Models = []string{model}
	}
	if only != "" {
		if cfg.Only, err = regexp.Compile(only); err != nil {
			return fmt.Errorf("--only: %w", err)
		}
	}
	start := time.Now()
	rep, err := loadtest.Run(ctx, cfg)
	if rep == nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err != nil { // interrupted: what was measured is still written
		fmt.Fprintf(stderr, "bench stopped early: %v\n", err)
	}
	if err := loadtest.WriteTable(stdout, rep); err != nil {
		return err
	}
	if err := loadtest.WriteJSON(out, rep); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Fprintf(stdout, "\nresults written to %s (%.0fs)\n", out, time.Since(start).Seconds())
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if n := rep.FailedEndpoints(); n > 0 {
		return fmt.Errorf("bench: %d endpoints answered with errors (see the ERRORS column)", n)
	}
	return nil
}
