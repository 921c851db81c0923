package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ExportResult is the CSV export measured on its own: downloaded whole, one run after
// another, nothing else running.
type ExportResult struct {
	Name string      `json:"name"`
	Path string      `json:"path"`
	Runs []ExportRun `json:"runs"`
}

// ExportRun is one download of the export.
type ExportRun struct {
	Status int `json:"status"`
	// FirstByte is the time until the response's headers arrived: a streamed export
	// answers at once, before the last row is read.
	FirstByte Millis `json:"first_byte_ms"`
	Total     Millis `json:"total_ms"`
	Bytes     int64  `json:"bytes"`
	// Lines counts the line breaks: the rows plus the header, unless values hold breaks.
	Lines int64  `json:"lines"`
	Error string `json:"error,omitempty"`
}

// MBps is the run's download rate in megabytes a second.
func (r ExportRun) MBps() float64 {
	if r.Total <= 0 {
		return 0
	}
	return float64(r.Bytes) / 1e6 / r.Total.Duration().Seconds()
}

// measureExport downloads ep runs times, in turn, and samples the server's memory
// around them when mem is set.
func (h *harness) measureExport(ctx context.Context, ep Endpoint, runs int, mem *memSampler) *ExportResult {
	res := &ExportResult{Name: ep.Name, Path: ep.Paths[0]}
	var before int64
	if mem != nil {
		before = mem.markWindow()
	}
	client := *h.client
	client.Timeout = ExportTimeout
	for i := range runs {
		if ctx.Err() != nil {
			break
		}
		run := h.download(ctx, &client, ep)
		res.Runs = append(res.Runs, run)
		fmt.Fprintf(h.cfg.Progress, "%-12s %-44s run %d: %d bytes in %.0fms (first byte %.1fms)%s\n", "sequential", ep.Name, i+1,
			run.Bytes, float64(run.Total), float64(run.FirstByte), errSuffix(run.Error))
	}
	if mem != nil {
		mem.exportWindow(before, mem.windowPeak())
	}
	return res
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return ": " + e
}

func (h *harness) download(ctx context.Context, client *http.Client, ep Endpoint) ExportRun {
	var run ExportRun
	req, err := http.NewRequestWithContext(ctx, ep.Method, h.cfg.Base+ep.Paths[0], nil)
	if err != nil {
		run.Error = err.Error()
		return run
	}
	req.Header.Set("Cookie", h.cookies[ep.Persona])
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		run.Error = err.Error()
		return run
	}
	defer resp.Body.Close()
	run.FirstByte, run.Status = Ms(time.Since(start)), resp.StatusCode
	var lc lineCounter
	run.Bytes, err = io.Copy(&lc, resp.Body)
	run.Total, run.Lines = Ms(time.Since(start)), lc.lines
	switch {
	case err != nil:
		run.Error = err.Error()
	case resp.StatusCode != ep.Expect:
		run.Error = fmt.Sprintf("status %d, want %d", resp.StatusCode, ep.Expect)
	}
	return run
}

// lineCounter counts the line breaks written to it and keeps nothing.
type lineCounter struct{ lines int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}
