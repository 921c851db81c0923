package loadtest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestPercentileIsNearestRank(t *testing.T) {
	t.Parallel()
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{ms(7), 50, 7 * time.Millisecond},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 51, 3 * time.Millisecond},
		{ms(1, 2, 3, 4), 99, 4 * time.Millisecond},
		{ms(hundred...), 50, 50 * time.Millisecond},
		{ms(hundred...), 95, 95 * time.Millisecond},
		{ms(hundred...), 99, 99 * time.Millisecond},
		{ms(hundred...), 100, 100 * time.Millisecond},
		{ms(hundred...), 0, 1 * time.Millisecond},
	} {
		require.Equal(t, tc.want, percentile(tc.sorted, tc.p), "p%.0f of %d values", tc.p, len(tc.sorted))
	}
}

func TestTallySummary(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tl := newTally(200)
	// Ten responses over one second, sent 100 ms apart, each taking (i+1) ms; the last ends
	// at 0.9 s + 10 ms.
	for i := range 10 {
		code := 200
		if i == 3 {
			code = 303 // a redirect to the sign-in page is an error for a page
		}
		tl.add(code, start.Add(time.Duration(i)*100*time.Millisecond), time.Duration(i+1)*time.Millisecond, "")
	}
	tl.add(0, start.Add(500*time.Millisecond), 2*time.Millisecond, "connection refused")
	tl.add(0, start.Add(600*time.Millisecond), 2*time.Millisecond, "connection refused")

	s := tl.summary()
	require.Equal(t, 12, s.Requests)
	require.Equal(t, 3, s.Errors)
	require.Equal(t, map[string]int{"200": 9, "303": 1, "0": 2}, s.StatusCodes)
	require.Equal(t, []string{"status 303, want 200", "connection refused"}, s.ErrorSamples, "each distinct error once")
	require.Equal(t, Millis(10), s.Max)
	require.Equal(t, Millis(10), s.P99)
	require.Equal(t, Millis(4), s.P50) // 1,2,2,2,3,4,…: the 6th of 12
	require.Equal(t, Millis(910), s.Elapsed)
	require.InDelta(t, 9/0.910, s.Throughput, 1e-9, "correct responses a second of wall time")
	require.InDelta(t, float64(1+2+3+4+5+6+7+8+9+10+2+2)/12, float64(s.Mean), 1e-5, "to the nanosecond")

	require.Equal(t, Stats{StatusCodes: map[string]int{}}, newTally(200).summary(), "nothing measured")
}

func TestTallyJudgesVegetaResultsByTheExpectedStatus(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tl := newTally(303)
	tl.addResult(&vegeta.Result{Code: 303, Timestamp: now, Latency: time.Millisecond})
	tl.addResult(&vegeta.Result{Code: 200, Timestamp: now, Latency: time.Millisecond})                             // the form again: invalid
	tl.addResult(&vegeta.Result{Code: 422, Timestamp: now, Latency: time.Millisecond, Error: "422 Unprocessable"}) // vegeta's status line
	tl.addResult(&vegeta.Result{Timestamp: now, Latency: time.Second, Error: "context deadline exceeded"})
	s := tl.summary()
	require.Equal(t, 4, s.Requests)
	require.Equal(t, 3, s.Errors)
	require.Equal(t, []string{"status 200, want 303", "status 422, want 303", "context deadline exceeded"}, s.ErrorSamples)
}

func TestRatioToBaseline(t *testing.T) {
	t.Parallel()
	base := Stats{Requests: 100, Throughput: 2000, P99: 10}
	r := ratio(Stats{Requests: 100, Throughput: 500, P99: 35}, base)
	require.InDelta(t, 0.25, r.Throughput, 1e-9)
	require.InDelta(t, 3.5, r.P99, 1e-9)
	require.Equal(t, Ratio{Throughput: 1, P99: 1}, ratio(base, base))
	require.Equal(t, Ratio{}, ratio(Stats{Throughput: 5, P99: 5}, Stats{}), "no baseline: not measurable")
}

func TestVerdict(t *testing.T) {
	t.Parallel()
	fast := Stats{Requests: 10, P99: 20}
	slow := Stats{Requests: 10, P99: 80}
	failing := Stats{Requests: 10, Errors: 1, P99: 20}
	good, poor := Ratio{Throughput: 0.8}, Ratio{Throughput: 0.3}
	for _, tc := range []struct {
		kind Kind
		s    Stats
		r    Ratio
		want string
	}{
		{KindList, fast, good, "ok"},
		{KindDetail, fast, good, "ok"},
		{KindList, slow, good, "MISS (p99)"},
		{KindDetail, fast, poor, "MISS (throughput)"},
		{KindList, slow, poor, "MISS (p99, throughput)"},
		{KindList, failing, good, "MISS (errors)"},
		{KindList, Stats{}, good, "MISS (errors)"},
		{KindPage, fast, poor, "ok"}, // the SoA and the heat map have a latency target only
		{KindPage, slow, good, "MISS (p99)"},
		{KindWrite, slow, poor, ""}, // no target for writes
		{KindWrite, failing, good, "MISS (errors)"},
		{KindBaseline, fast, good, ""},
	} {
		require.Equal(t, tc.want, verdict(tc.kind, tc.s, tc.r), "%s p99 %.0f ratio %.1f errors %d", tc.kind, tc.s.P99, tc.r.Throughput, tc.s.Errors)
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	got := table([]string{"NAME", "REQS", "NOTE"}, [][]string{{"risks list", "12", "ok"}, {"baseline", "1234", ""}}, "lrl")
	want := "" +
		"NAME        REQS  NOTE\n" +
		"risks list    12  ok\n" +
		"baseline    1234\n"
	require.Equal(t, want, got)
	// Widths count characters, not bytes.
	got = table([]string{"A", "B"}, [][]string{{"é", "1"}, {"ab", "×2"}}, "lr")
	require.Equal(t, "A    B\né    1\nab  ×2\n", got)
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	base := Result{Name: "baseline", Kind: KindBaseline, Stats: Stats{Requests: 2000, P50: 1, P95: 2, P99: 4, Throughput: 1000}, VsBaseline: Ratio{1, 1}}
	list := Result{Name: "risks list", Kind: KindList, Stats: Stats{Requests: 800, P50: 5, P95: 20, P99: 60, Throughput: 400},
		VsBaseline: Ratio{0.4, 15}, Target: "MISS (p99, throughput)"}
	detail := Result{Name: "risks detail (50 records)", Kind: KindDetail, Stats: Stats{Requests: 1200, P99: 30, Throughput: 600},
		VsBaseline: Ratio{0.6, 7.5}, Target: "ok"}
	rep := &Report{Base: "http://127.0.0.1:8080", Tenant: "bench-large", Client: Machine{CPUs: 2, MemTotal: 2e9},
		Runs: []ModelRun{{Model: ModelClosed, Concurrency: 32, Baseline: base, Endpoints: []Result{list, detail}}},
		Export: &ExportResult{Path: "/t/bench-large/risks/export.csv",
			Runs: []ExportRun{{Status: 200, FirstByte: 12, Total: 2000, Bytes: 40e6, Lines: 100001}}},
		Server:  &ServerMemory{PID: 42, PeakRSS: 150e6, MaxSampledRSS: 120e6, ExportRSSBefore: 90e6, ExportRSSMax: 95e6, Samples: 900},
		Skipped: []string{"context deep page: the register has a single page"}}
	var b strings.Builder
	require.NoError(t, WriteTable(&b, rep))
	out := b.String()
	lines := strings.Split(out, "\n")
	var rows []string
	for _, l := range lines {
		if strings.HasPrefix(l, "closed c=32") || strings.HasPrefix(l, "MODEL") {
			rows = append(rows, l)
		}
	}
	require.Len(t, rows, 4, out)
	// Aligned: every column of numbers ends at the same place on every row.
	end := strings.Index(rows[0], "P99 ms") + len("P99 ms")
	for _, r := range rows[1:] {
		require.Equal(t, ' ', rune(r[end]), "column P99 ms ends at %d: %q", end, r)
		require.NotEqual(t, ' ', rune(r[end-1]), "column P99 ms ends at %d: %q", end, r)
	}
	require.Contains(t, rows[2], "risks list")
	require.Contains(t, rows[2], "0.40x")
	require.Contains(t, rows[2], "15.00x")
	require.Contains(t, rows[2], "MISS (p99, throughput)")
	require.Contains(t, out, "1 met, 1 missed")
	require.Contains(t, out, "missed: closed risks list (p99, throughput)")
	require.Contains(t, out, "peak RSS (VmHWM) 150.0 MB")
	require.Contains(t, out, "90.0 MB before, 95.0 MB at most")
	require.Contains(t, out, "20.0") // MB/s of the export: 40 MB in 2 s
	require.Contains(t, out, "context deep page: the register has a single page")
	require.Equal(t, 0, rep.FailedEndpoints())
}

func TestStatusKB(t *testing.T) {
	t.Parallel()
	status := "Name:\taims\nVmPeak:\t 1300000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   70000 kB\nThreads:\t9\n"
	require.Equal(t, int64(81234*1024), statusKB(status, "VmHWM:"))
	require.Equal(t, int64(70000*1024), statusKB(status, "VmRSS:"))
	require.Equal(t, int64(9), statusKB(status, "Threads:"))
	require.Zero(t, statusKB(status, "VmSwap:"))
}
